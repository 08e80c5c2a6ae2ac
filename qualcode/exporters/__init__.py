"""File writers: domain records to files. No database."""
