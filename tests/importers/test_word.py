"""Word (.docx) transcripts: paragraphs, tables, bold and plain speaker labels."""

from __future__ import annotations

from qualcode.importers import read_transcript


def test_bold_labels_colon_inside_and_outside_the_bold_run(make_docx, utterances):
    path = make_docx(
        [
            [("Interview transcript: area M", True)],
            [("Date:", True), (" 12 March 2023", False)],
            "",
            [("Interviewer:", True), (" What gets in the way?", False)],
            [("Mental health partner", True), (": Time, mostly.", False)],
            "And competing priorities.",
            [("Interviewer: ", True), ("Anything else?", False)],
            [("Commissioner", True), (":", False), (" The trust is huge.", False)],
        ]
    )
    parsed = read_transcript(path)
    assert parsed.format == "docx"
    assert parsed.text.startswith("Interview transcript: area M\n\nDate: 12 March 2023\n\n")
    assert utterances(parsed) == [
        ("Interviewer", "What gets in the way?"),
        ("Mental health partner", "Time, mostly.\n\nAnd competing priorities."),
        ("Interviewer", "Anything else?"),
        # Speaks once, but a bold label once the conversation has started is a speaker.
        ("Commissioner", "The trust is huge."),
    ]


def test_plain_labels_with_timestamps(make_docx, utterances):
    path = make_docx(
        [
            "Focus group 2",
            "[00:00:04] Facilitator: Welcome, everyone.",
            "[00:00:09] P1: Thanks.",
            "[00:00:15] Facilitator: Who wants to start?",
        ]
    )
    parsed = read_transcript(path)
    assert utterances(parsed) == [
        ("Facilitator", "Welcome, everyone."),
        ("P1", "Thanks."),
        ("Facilitator", "Who wants to start?"),
    ]
    assert [turn.start_time for turn in parsed.turns] == [4.0, 9.0, 15.0]


def test_table_cells_are_paragraphs_in_reading_order(make_docx, utterances):
    path = make_docx(
        ["Interview 7"],
        table=[["Interviewer:", "How long have you worked here?"], ["P7:", "Six years."]],
        after_table=["Interviewer: Thank you.", "P7: You're welcome."],
    )
    parsed = read_transcript(path)
    assert parsed.text == (
        "Interview 7\n\nInterviewer:\n\nHow long have you worked here?\n\nP7:\n\nSix years."
        "\n\nInterviewer: Thank you.\n\nP7: You're welcome."
    )
    assert utterances(parsed) == [
        ("Interviewer", "How long have you worked here?"),
        ("P7", "Six years."),
        ("Interviewer", "Thank you."),
        ("P7", "You're welcome."),
    ]


def test_a_heading_in_bold_is_not_a_speaker(make_docx, utterances):
    path = make_docx(
        [
            "Interviewer: Let's begin.",
            "P2: Fine.",
            [("Section 2: Barriers to involvement", True)],
            "Interviewer: What are they?",
        ]
    )
    assert utterances(read_transcript(path)) == [
        ("Interviewer", "Let's begin."),
        ("P2", "Fine.\n\nSection 2: Barriers to involvement"),
        ("Interviewer", "What are they?"),
    ]


def test_character_style_bold_counts_as_bold(make_docx, tmp_path, utterances):
    import docx

    document = docx.Document()
    for label, words in [("Interviewer:", " Hello."), ("Navigator lead:", " Hi.")]:
        paragraph = document.add_paragraph()
        paragraph.add_run(label, style="Strong")
        paragraph.add_run(words)
    path = tmp_path / "styled.docx"
    document.save(str(path))
    assert utterances(read_transcript(path)) == [
        ("Interviewer", "Hello."),
        ("Navigator lead", "Hi."),
    ]


def test_document_without_speakers_is_one_turn_per_paragraph(make_docx, utterances):
    path = make_docx(["Field note, 3 May.", "", "", "Visited the hub.  "])
    parsed = read_transcript(path)
    assert parsed.text == "Field note, 3 May.\n\nVisited the hub.  "
    assert utterances(parsed) == [(None, "Field note, 3 May."), (None, "Visited the hub.")]


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_tracked_changes_hyperlinks_and_breaks(tmp_path, utterances):
    """Insertions are kept, deletions dropped, hyperlink text and line breaks kept."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_paragraph("Interviewer: Where did you hear about it?")
    paragraph = parse_xml(
        f"<w:p {W_NS}>"
        "<w:r><w:rPr><w:b/></w:rPr><w:t>P5:</w:t></w:r>"
        '<w:r><w:t xml:space="preserve"> On the </w:t></w:r>'
        "<w:hyperlink><w:r><w:t>council website</w:t></w:r></w:hyperlink>"
        '<w:ins w:id="1" w:author="PR"><w:r><w:t xml:space="preserve">, I think</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="PR"><w:r><w:delText> [the GP]</w:delText></w:r></w:del>'
        "<w:r><w:t>.</w:t><w:br/><w:t>Then</w:t><w:tab/><w:t>a leaflet.</w:t></w:r>"
        "</w:p>"
    )
    document.element.body.insert(1, paragraph)
    document.add_paragraph("Interviewer: Thanks.")
    path = tmp_path / "tracked.docx"
    document.save(str(path))
    assert utterances(read_transcript(path)) == [
        ("Interviewer", "Where did you hear about it?"),
        ("P5", "On the council website, I think.\nThen\ta leaflet."),
        ("Interviewer", "Thanks."),
    ]
