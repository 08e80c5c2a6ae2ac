"""REFI-QDA projects (.qdpx) from other tools: the whole model, the variants real files
have, positions that land on the same words, hostile files refused with the project
unchanged, and the import-project / merge commands."""

from __future__ import annotations

import codecs
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli.app import cli
from qualcode.domain.bundle import ProjectBundle
from qualcode.domain.errors import InputFileError, QualcodeError
from qualcode.domain.project_import import ProjectImportSummary
from qualcode.domain.refi_qda import coding_note_guid, selection_guid, turn_description
from qualcode.domain.spans import POSITION_READINGS, ForeignText
from qualcode.importers import project_qdpx
from qualcode.importers.project_qdpx import UNATTRIBUTED_NAME, read_qdpx
from qualcode.services.merge import load_bundle
from qualcode.services.project import Project
from qualcode.services.project_import import import_project, merge_qdpx
from tests.conftest import REPO

ATLAS = REPO / "tests" / "data" / "refi-qda" / "atlasti-8.4-sample-project.qdpx"
NS = "urn:QDA-XML:project:1.0"
ANA = "a1a1a1a1-0000-4000-8000-000000000001"
BEN = "b2b2b2b2-0000-4000-8000-000000000002"
PARENT = "c0c0c0c0-0000-4000-8000-000000000001"
CHILD = "c0c0c0c0-0000-4000-8000-000000000002"
SOURCE = "50505050-0000-4000-8000-000000000001"
SOURCE2 = "50505050-0000-4000-8000-000000000002"
SEL = "5e1e5e1e-0000-4000-8000-000000000001"
CODING = "c0d1c0d1-0000-4000-8000-000000000001"
CODING2 = "c0d1c0d1-0000-4000-8000-000000000002"
TEXT = "Interviewer: How was it?\nMaya: The bus never came, so I walked.\n"


# -- building files ---------------------------------------------------------------------


def _zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _codes() -> str:
    return (
        f'<CodeBook><Codes><Code guid="{PARENT}" name="Barriers" isCodable="true" '
        f'color="#C0392B"><Description>Things in the way</Description>'
        f'<Code guid="{CHILD}" name="Transport" isCodable="true"/></Code></Codes></CodeBook>'
    )


def _users() -> str:
    return (
        f'<Users><User guid="{ANA.upper()}" name="Ana"/><User guid="{{{BEN}}}" name="Ben"/></Users>'
    )


def _selection(start: int, end: int, codings: str = "", extra: str = "", guid: str = SEL) -> str:
    return (
        f'<PlainTextSelection guid="{guid}" startPosition="{start}" endPosition="{end}">'
        f"{extra}{codings}</PlainTextSelection>"
    )


def _coding(guid: str = CODING, code: str = CHILD, user: str | None = ANA) -> str:
    by = f' creatingUser="{user}"' if user else ""
    return (
        f'<Coding guid="{guid}"{by} creationDateTime="2024-05-01T10:00:00Z">'
        f'<CodeRef targetGUID="{code}"/></Coding>'
    )


def _text_source(
    inner: str = "", *, guid: str = SOURCE, name: str = "Maya", path: str | None = None
) -> str:
    where = f' plainTextPath="{path or f"internal://{guid}.txt"}"'
    return f'<TextSource guid="{guid}" name="{name}"{where}>{inner}</TextSource>'


def _qde(
    sources: str, *, ns: str = NS, origin: str = "NVivo 14", body: str = "", tail: str = ""
) -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{ns}" name="Study" '
        f'origin="{origin}">{_users()}{_codes()}{body}<Sources>{sources}</Sources>{tail}</Project>'
    )


def _qdpx(
    tmp_path: Path,
    qde: str,
    texts: dict[str, str | bytes] | None = None,
    *,
    qde_name: str = "project.qde",
    folder: str = "sources",
    name: str = "study.qdpx",
) -> Path:
    members: dict[str, str | bytes] = {qde_name: qde}
    for file, text in (texts if texts is not None else {f"{SOURCE}.txt": TEXT}).items():
        members[f"{folder}/{file}"] = text
    return _zip(tmp_path / name, members)


def _quote(bundle: ProjectBundle, coding_uuid: str) -> str:
    coding = next(c for c in bundle.codings if c.uuid == coding_uuid)
    text = next(s.text for s in bundle.sources if s.uuid == coding.source)
    assert text is not None
    return text[coding.start : coding.end]


def _span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


# -- the whole model --------------------------------------------------------------------


def test_the_whole_model_is_read_with_guids_kept_and_normalised(tmp_path: Path) -> None:
    start, end = _span(TEXT, "The bus never came")
    notes = (
        "<Notes>"
        '<Note guid="0e0e0e0e-0000-4000-8000-000000000001" name="On this passage" '
        f'creatingUser="{BEN}"><PlainTextContent>Walking is the cost.</PlainTextContent></Note>'
        '<Note guid="0e0e0e0e-0000-4000-8000-000000000002" name="Code memo" '
        f'creatingUser="{ANA}"><PlainTextContent>Any means of travel.</PlainTextContent></Note>'
        '<Note guid="0e0e0e0e-0000-4000-8000-000000000003" name="Diary">'
        "<PlainTextContent>Week one done.</PlainTextContent></Note>"
        "</Notes>"
    )
    variables = (
        '<Variables><Variable guid="7a7a7a7a-0000-4000-8000-000000000001" name="Age" '
        'typeOfVariable="Integer"/></Variables>'
        '<Cases><Case guid="CA5E0000-0000-4000-8000-000000000001" name="Maya">'
        '<VariableValue><VariableRef targetGUID="7a7a7a7a-0000-4000-8000-000000000001"/>'
        f'<IntegerValue>34</IntegerValue></VariableValue><SourceRef targetGUID="{SOURCE}"/>'
        "</Case></Cases>"
    )
    selection = _selection(
        start,
        end,
        _coding() + _coding(CODING2, PARENT, BEN),
        guid=SEL,
    ).replace(
        "</PlainTextSelection>",
        '<NoteRef targetGUID="0e0e0e0e-0000-4000-8000-000000000001"/></PlainTextSelection>',
    )
    qde = _qde(_text_source(selection), body=variables, tail=notes)
    qde = qde.replace(
        'name="Transport" isCodable="true"/>',
        'name="Transport" isCodable="true"><NoteRef '
        'targetGUID="0e0e0e0e-0000-4000-8000-000000000002"/></Code>',
    )
    bundle, summary = read_qdpx(_qdpx(tmp_path, qde))

    # The diary note names no creating user: it is the stand-in coder's.
    assert {(c.uuid, c.name) for c in bundle.coders} == {
        (ANA, "Ana"),
        (BEN, "Ben"),
        (project_qdpx.UNATTRIBUTED_CODER, UNATTRIBUTED_NAME),
    }
    assert bundle.code_paths() == {PARENT: "Barriers", CHILD: "Barriers > Transport"}
    parent = next(c for c in bundle.codes if c.uuid == PARENT)
    assert (parent.colour, parent.definition) == ("#c0392b", "Things in the way")
    (source,) = bundle.sources
    assert (source.uuid, source.name, source.text) == (SOURCE, "Maya", TEXT)
    assert source.characters == len(TEXT) and source.words == 12
    assert len(source.content_hash) == 64
    assert {c.uuid: (c.code, c.coder) for c in bundle.codings} == {
        CODING: (CHILD, ANA),
        CODING2: (PARENT, BEN),
    }
    assert _quote(bundle, CODING) == "The bus never came"
    assert {c.memo for c in bundle.codings} == {"On this passage\n\nWalking is the cost."}
    memos = {(m.target, m.target_uuid): m.text for m in bundle.memos}
    assert memos[("code", CHILD)] == "Code memo\n\nAny means of travel."
    assert memos[("project", None)] == "Diary\n\nWeek one done."
    assert [(c.uuid, c.name) for c in bundle.cases] == [
        ("ca5e0000-0000-4000-8000-000000000001", "Maya")
    ]
    assert [(a.name, a.type) for a in bundle.attributes] == [("Age", "number")]
    assert [v.value for v in bundle.values] == ["34"]
    assert [(link.source, link.case) for link in bundle.links] == [
        (SOURCE, "ca5e0000-0000-4000-8000-000000000001")
    ]
    assert summary.count("codings") == 2 and summary.skipped == ()
    assert summary.project_name == "Study"


def test_a_coding_without_a_creating_user_gets_one_clearly_named_coder(tmp_path: Path) -> None:
    start, end = _span(TEXT, "walked")
    qde = _qde(_text_source(_selection(start, end, _coding(user=None))))
    bundle, _ = read_qdpx(_qdpx(tmp_path, qde))
    (coding,) = bundle.codings
    coder = next(c for c in bundle.coders if c.uuid == coding.coder)
    assert coder.name == UNATTRIBUTED_NAME


# -- variants real files have -----------------------------------------------------------


@pytest.mark.parametrize("qde_name", ["project.qde", "Project.qde", "My Study.qde"])
@pytest.mark.parametrize("folder", ["sources", "Sources"])
def test_inner_file_and_folder_names(tmp_path: Path, qde_name: str, folder: str) -> None:
    start, end = _span(TEXT, "bus")
    qde = _qde(_text_source(_selection(start, end, _coding())))
    bundle, _ = read_qdpx(_qdpx(tmp_path, qde, qde_name=qde_name, folder=folder))
    assert _quote(bundle, CODING) == "bus"


@pytest.mark.parametrize("path", [f"internal://{SOURCE}.txt", f"{SOURCE}.txt"])
def test_plain_text_path_with_or_without_internal(tmp_path: Path, path: str) -> None:
    start, end = _span(TEXT, "bus")
    qde = _qde(_text_source(_selection(start, end, _coding()), path=path))
    bundle, _ = read_qdpx(_qdpx(tmp_path, qde))
    assert _quote(bundle, CODING) == "bus"


def test_text_inside_plain_text_content(tmp_path: Path) -> None:
    start, end = _span(TEXT, "walked")
    inner = f"<PlainTextContent>{TEXT}</PlainTextContent>" + _selection(start, end, _coding())
    source = f'<TextSource guid="{SOURCE}" name="Maya">{inner}</TextSource>'
    bundle, _ = read_qdpx(_qdpx(tmp_path, _qde(source), {}))
    assert _quote(bundle, CODING) == "walked"


@pytest.mark.parametrize(
    "ns", ["urn:QDA-XML:project:1.0", "urn:QDA-XML:project:1:0", "urn:QDA-XML:project:0:4"]
)
def test_namespace_variants(tmp_path: Path, ns: str) -> None:
    start, end = _span(TEXT, "bus")
    qde = _qde(_text_source(_selection(start, end, _coding())), ns=ns)
    qde = qde.replace("<CodeBook>", '<CodeBook xmlns="urn:QDA-XML:codebook:1:0">')
    bundle, _ = read_qdpx(_qdpx(tmp_path, qde))
    assert len(bundle.codes) == 2 and _quote(bundle, CODING) == "bus"


def test_a_bom_in_a_source_file_does_not_shift_positions(tmp_path: Path) -> None:
    start, end = _span(TEXT, "The bus")
    qde = _qde(_text_source(_selection(start, end, _coding())))
    data = codecs.BOM_UTF8 + TEXT.encode("utf-8")
    bundle, _ = read_qdpx(_qdpx(tmp_path, qde, {f"{SOURCE}.txt": data}))
    assert bundle.sources[0].text == TEXT
    assert _quote(bundle, CODING) == "The bus"


def test_repeated_source_names_are_made_unique_and_guids_kept(tmp_path: Path) -> None:
    sources = _text_source(name="Interview") + _text_source(guid=SOURCE2, name="Interview")
    texts = {f"{SOURCE}.txt": TEXT, f"{SOURCE2}.txt": "Another text here."}
    bundle, summary = read_qdpx(_qdpx(tmp_path, _qde(sources), texts))
    assert [(s.uuid, s.name) for s in bundle.sources] == [
        (SOURCE, "Interview"),
        (SOURCE2, "Interview (2)"),
    ]
    assert any("Interview (2)" in note for note in summary.notes)


def test_selections_past_the_end_are_reported_and_the_rest_kept(tmp_path: Path) -> None:
    start, end = _span(TEXT, "bus")
    far = _selection(len(TEXT) - 2, len(TEXT) + 40, _coding(CODING2), guid=SEL[:-1] + "2")
    qde = _qde(_text_source(_selection(start, end, _coding()) + far))
    bundle, summary = read_qdpx(_qdpx(tmp_path, qde))
    assert [c.uuid for c in bundle.codings] == [CODING]
    (skipped,) = summary.skipped
    assert "runs past the end of the text" in skipped and SEL[:-1] + "2" in skipped
    assert "1 coding not imported" in skipped


def test_media_sources_are_skipped_by_name_with_their_codings_counted(tmp_path: Path) -> None:
    start, end = _span(TEXT, "bus")
    media = (
        '<PDFSource guid="0d0d0d0d-0000-4000-8000-000000000001" name="Leaflet.pdf" '
        'path="internal://x.pdf"><PDFSelection guid="0d0d0d0d-0000-4000-8000-000000000002" '
        f'page="0" firstX="1" firstY="1" secondX="2" secondY="2">{_coding(CODING2)}'
        "</PDFSelection></PDFSource>"
        '<AudioSource guid="0d0d0d0d-0000-4000-8000-000000000003" name="Walk.m4a" '
        'path="relative:///walk.m4a"/>'
    )
    qde = _qde(_text_source(_selection(start, end, _coding())) + media)
    bundle, summary = read_qdpx(_qdpx(tmp_path, qde))
    assert [c.uuid for c in bundle.codings] == [CODING] and len(bundle.codes) == 2
    assert summary.skipped == (
        "PDF source 'Leaflet.pdf': qualcode reads text sources only; its 1 coding not imported",
        "audio source 'Walk.m4a': qualcode reads text sources only",
    )


# -- positions --------------------------------------------------------------------------

EMOJI_TEXT = "Maya: I was happy 😀😀 so happy\r\nAna: Why?\r\nMaya: The bus 🚌 came at last\r\n"
EMOJI_WORDS = ["happy", "so happy", "Why?", "The bus", "came at last", "Ana"]


def _positions(text: str, words: str, *, utf16: bool, crlf_as_two: bool) -> tuple[int, int]:
    seen = text if crlf_as_two else text.replace("\r\n", "\n")
    start = seen.rindex(words) if words == "happy" else seen.index(words)
    end = start + len(words)
    if utf16:
        return (
            len(seen[:start].encode("utf-16-le")) // 2,
            len(seen[:end].encode("utf-16-le")) // 2,
        )
    return start, end


@pytest.mark.parametrize("reading", POSITION_READINGS, ids=lambda r: r.describe())
def test_positions_are_read_as_the_tool_wrote_them(tmp_path: Path, reading) -> None:
    selections = ""
    for n, words in enumerate(EMOJI_WORDS):
        start, end = _positions(
            EMOJI_TEXT, words, utf16=reading.utf16, crlf_as_two=reading.crlf_as_two
        )
        guid = f"5e1e5e1e-0000-4000-8000-00000000010{n}"
        selections += _selection(
            start, end, _coding(f"c0d1c0d1-0000-4000-8000-00000000010{n}"), guid=guid
        )
    qde = _qde(_text_source(selections))
    bundle, summary = read_qdpx(_qdpx(tmp_path, qde, {f"{SOURCE}.txt": EMOJI_TEXT}))
    stored = EMOJI_TEXT.replace("\r\n", "\n")
    assert bundle.sources[0].text == stored
    got = [
        _quote(bundle, f"c0d1c0d1-0000-4000-8000-00000000010{n}") for n in range(len(EMOJI_WORDS))
    ]
    assert got == ["happy", "so happy", "Why?", "The bus", "came at last", "Ana"]
    assert summary.reading == reading.describe()
    assert summary.selections_checked == len(EMOJI_WORDS)


def test_conversion_helper_maps_every_reading_to_stored_code_points() -> None:
    stored = EMOJI_TEXT.replace("\r\n", "\n")
    removed = [m.start() for m in re.finditer("\r", EMOJI_TEXT)]
    text = ForeignText(EMOJI_TEXT, stored, removed)
    for reading in POSITION_READINGS:
        start, end = _positions(
            EMOJI_TEXT, "came at last", utf16=reading.utf16, crlf_as_two=reading.crlf_as_two
        )
        assert text.span(reading, start, end) == _span(stored, "came at last")
    utf16 = POSITION_READINGS[2]
    inside_pair = len(EMOJI_TEXT[: EMOJI_TEXT.index("😀")].encode("utf-16-le")) // 2 + 1
    assert text.to_stored(utf16, inside_pair) is None


# -- the ATLAS.ti sample ----------------------------------------------------------------

# The sample as ATLAS.ti 8.4 exported it holds no source texts (its Sources/ folder is
# empty). The selections' names are the quotations' own words (cut with "…" when long),
# so the texts are rebuilt around them at the positions the file gives.
ATLAS_TEXTS = {
    "230B768E-5A3D-42B7-BE92-2A3721177944.txt": [
        (139, "Oh, that was great. See you tomorrow? Eleven thirty. Mm."),
    ],
    "88293C71-CB70-4AB7-8413-C24110A19C2E.txt": [
        (250, "For some reason babies aren't supposed to have cow's milk that is low fat."),
    ],
    "B2F54555-0D2D-43B2-B40C-2A1C048F5F1C.txt": [
        (0, "I'm a single mum with an 8 month old and a toddler and breakfast is mayhem."),
    ],
    "C1C745F7-8E4D-48B2-9710-655AFE7E54FA.txt": [
        (215, "I did try the gluten free bread, but it was always so soggy,"),
        (513, "But to be honest, I used to have a much bigger breakfast, and these days"),
        (688, "damage done by fatty foods"),
    ],
    "01106019-2518-43DD-BBD1-8F0252BACB30.txt": [],
    "C8A57C71-D156-4A94-8407-2BD2FA57E2A4.txt": [],
}


def _rebuilt(placed: list[tuple[int, str]], length: int = 1000) -> str:
    text = ""
    for at, words in placed:
        gap = at - len(text)
        text += ("and so on " * 100)[: max(gap - 1, 0)] + ("\n" if gap > 0 else "") + words
    text += " " + ("and so on " * 100)
    return text[:length].rstrip() + ".\n"


def _completed_atlas(tmp_path: Path) -> Path:
    path = tmp_path / "atlas.qdpx"
    with zipfile.ZipFile(ATLAS) as original, zipfile.ZipFile(path, "w") as out:
        for info in original.infolist():
            out.writestr(info, original.read(info))
        for name, placed in ATLAS_TEXTS.items():
            out.writestr(f"Sources/{name}", _rebuilt(placed).encode("utf-8"))
    return path


def test_atlas_sample_as_exported_keeps_its_codebook_and_names_every_missing_text() -> None:
    # ATLAS.ti's sample ships an empty Sources/ folder: the codebook, users and memos
    # come in, and every source whose text is not there is named with its codings.
    bundle, summary = read_qdpx(ATLAS)
    assert len(bundle.codes) == 14 and len(bundle.coders) == 3
    assert bundle.sources == () and bundle.codings == ()
    mabel = next(line for line in summary.skipped if "'Mabel.txt'" in line)
    assert "B2F54555-0D2D-43B2-B40C-2A1C048F5F1C.txt) is not in the file" in mabel
    assert "3 codings not imported" in mabel
    assert sum("is not in the file" in line for line in summary.skipped) == 6
    assert sum("qualcode reads text sources only" in line for line in summary.skipped) == 6


def test_atlas_sample_codings_land_on_the_words_it_means(tmp_path: Path) -> None:
    bundle, summary = read_qdpx(_completed_atlas(tmp_path))
    # Project.qde: Mabel.txt 0-410 coded with three codes; Simon.docx 215-275, 513-907,
    # 688-907; the Diet Coke transcript 139-195.
    quotes = {c.uuid: _quote(bundle, c.uuid) for c in bundle.codings}
    assert quotes["61c727fb-e8cd-442d-b34e-d20f6b843407"] == (
        "I did try the gluten free bread, but it was always so soggy,"
    )
    assert quotes["445a6aec-1400-4502-919d-0867832ff211"] == (
        "Oh, that was great. See you tomorrow? Eleven thirty. Mm."
    )
    assert quotes["b1ce75ca-1953-43e9-9ce4-26a9aab4dc02"].startswith(
        "But to be honest, I used to have a much bigger breakfast"
    )
    assert quotes["9ad860a5-3d53-4bde-b5ee-a8fc613c1652"].startswith("damage done by fatty foods")
    for guid in ("2284bf5b", "89b9918e", "4b8dd4a4"):
        quote = next(q for u, q in quotes.items() if u.startswith(guid))
        assert quote.startswith("I'm a single mum with an 8 month old") and len(quote) == 410
    assert len(bundle.codings) == 7
    simon = next(c for c in bundle.codings if c.uuid.startswith("9ad860a5"))
    assert simon.memo == "why does Simon feel the need to do this?"
    assert simon.coder == "ad68fbe7-e1ee-4a82-a279-23cc698c89eb"
    assert {c.name for c in bundle.coders} >= {"Friedrich Markgraf", "Sebastian Petrausch"}
    assert len(bundle.codes) == 14 and len(bundle.sources) == 6
    memos = {(m.target, m.target_uuid): m.text for m in bundle.memos if m.target != "project"}
    assert memos[("source", "17fb9cb8-7858-4291-a162-65424b9942ec")].endswith(
        "Mabel is not the only person I know who has Coke for breakfast!"
    )
    free = sorted(m.text for m in bundle.memos if m.target == "project")
    assert free == [
        "My favorite Coke ad\n\nThis version is much better than the new Director’s cut ",
        "Research Plan\n\nday to day log about this amazing project\n\n"
        "This is a great project by a dynamic team of researcher-developers. ",
    ]
    assert len(bundle.coders) == 3  # ATLAS.ti's users; nothing unattributed
    assert summary.skipped[:5] == (
        "picture source 'cornflakes-n-milk.jpg': qualcode reads text sources only; "
        "its 2 codings not imported",
        'PDF source "Kellogg\'s Passion for Nutrition.pdf": qualcode reads text sources only',
        # ATLAS.ti wrote the accent decomposed ("o" and a combining acute): kept as written.
        'PDF source "Pay de Limo\u0301n con Base de Granola | Kellogg\'s ®.pdf": qualcode reads '
        "text sources only; its 6 codings not imported",
        'audio source "Jeanine\'s Breakfast.m4a": qualcode reads text sources only',
        "video source '1960s Coca Cola commercial.mp4': qualcode reads text sources only",
    )
    assert summary.reading == "code points; the texts hold nothing that tools count differently"
    assert summary.selections_checked == 6


# -- qualcode's own files ---------------------------------------------------------------


def test_qualcode_files_give_speaker_turns_and_coding_memos_by_note_guid(tmp_path: Path) -> None:
    turn_start, turn_end = _span(TEXT, "Maya: The bus never came, so I walked.")
    start, end = _span(TEXT, "walked")
    turn = (
        f'<PlainTextSelection guid="{SEL[:-1]}9" name="Maya" startPosition="{turn_start}" '
        f'endPosition="{turn_end}"><Description>{turn_description(3.5, 9.0)}</Description>'
        "</PlainTextSelection>"
    )
    note = coding_note_guid(CODING)
    coded = _selection(
        start,
        end,
        _coding() + _coding(CODING2, PARENT, BEN),
        guid=selection_guid(SOURCE, start, end),
    ).replace("</PlainTextSelection>", f'<NoteRef targetGUID="{note}"/></PlainTextSelection>')
    cases = (
        '<Cases><Case guid="ca5e0000-0000-4000-8000-000000000001" name="Maya">'
        f'<SourceRef targetGUID="{SOURCE}"/><SelectionRef targetGUID="{SEL[:-1]}9"/>'
        "</Case></Cases>"
    )
    notes = (
        f'<Notes><Note guid="{note}" name="Memo: Transport, by Ana" creatingUser="{ANA}">'
        "<PlainTextContent>Exact  memo\ntext</PlainTextContent></Note></Notes>"
    )
    qde = _qde(_text_source(turn + coded), origin="qualcode 0.9", body=cases, tail=notes)
    bundle, summary = read_qdpx(_qdpx(tmp_path, qde))
    (t,) = bundle.turns
    assert (t.speaker, t.start, t.end, t.start_time, t.end_time) == (
        "Maya",
        turn_start,
        turn_end,
        3.5,
        9.0,
    )
    assert t.case == "ca5e0000-0000-4000-8000-000000000001"
    assert {c.uuid: c.memo for c in bundle.codings} == {CODING: "Exact  memo\ntext", CODING2: ""}
    assert bundle.memos == ()
    assert summary.reading_evidence == "because qualcode wrote the file"


# -- hostile and broken files -----------------------------------------------------------

XXE = (
    '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    f'<Project xmlns="{NS}" name="&x;"/>'
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
    f'<!ENTITY c "&b;&b;&b;&b;&b;&b;">]><Project xmlns="{NS}" name="&c;"/>'
)
DTD = f'<?xml version="1.0"?><!DOCTYPE Project SYSTEM "x.dtd"><Project xmlns="{NS}" name="x"/>'


def _hostile(tmp_path: Path, kind: str) -> Path:
    good = _qde(_text_source(_selection(0, 4, _coding())))
    path = tmp_path / f"{kind}.qdpx"
    if kind == "xxe":
        return _zip(path, {"project.qde": XXE})
    if kind == "billion laughs":
        return _zip(path, {"project.qde": LAUGHS})
    if kind == "dtd":
        return _zip(path, {"project.qde": DTD})
    if kind == "zip bomb":
        return _zip(path, {"project.qde": good, f"sources/{SOURCE}.txt": b"a" * (3 * 1024 * 1024)})
    if kind == "too many entries":
        return _zip(path, {"project.qde": good, **{f"x/{n}.txt": b"" for n in range(10_001)}})
    if kind == "zip slip name":
        qde = _qde(_text_source(_selection(0, 4, _coding()), path="internal://../../etc/passwd"))
        return _zip(path, {"project.qde": qde, "../../etc/passwd": TEXT})
    if kind == "outside path":
        return _zip(path, {"project.qde": _qde(_text_source(path="file:///etc/passwd"))})
    if kind == "corrupt archive":
        data = _zip(tmp_path / "whole.qdpx", {"project.qde": good}).read_bytes()
        path.write_bytes(data[: len(data) // 2])
        return path
    if kind == "damaged member":
        data = bytearray(_zip(tmp_path / "whole.qdpx", {"project.qde": good * 20}).read_bytes())
        data[60:80] = b"\x00" * 20
        path.write_bytes(bytes(data))
        return path
    if kind == "not a zip":
        path.write_text("just text")
        return path
    if kind == "malformed xml":
        return _zip(path, {"project.qde": good[:-20]})
    if kind == "no qde":
        return _zip(path, {f"sources/{SOURCE}.txt": TEXT})
    if kind == "missing source":
        return _zip(path, {"project.qde": good})
    if kind == "binary source":
        return _zip(
            path, {"project.qde": good, f"sources/{SOURCE}.txt": b"\x89PNG\r\n\x1a\n\x00\x00"}
        )
    if kind == "not utf-8 source":
        return _zip(
            path, {"project.qde": good, f"sources/{SOURCE}.txt": "Café où".encode("cp1252")}
        )
    raise AssertionError(kind)


HOSTILE = {
    "xxe": "declares XML entities",
    "billion laughs": "declares XML entities",
    "dtd": "a DTD",
    "zip bomb": "looks like a zip bomb",
    "too many entries": "looks like a zip bomb: 10,002 parts inside",
    "zip slip name": "has an unsafe path (internal://../../etc/passwd)",
    "corrupt archive": "not a zip archive",
    "damaged member": "damaged archive",
    "not a zip": "not a zip archive",
    "malformed xml": "project.qde is not readable XML",
    "no qde": "holds no .qde project file",
    "binary source": "binary file, not text",
    "not utf-8 source": "not UTF-8 text",
}


@pytest.mark.parametrize("kind", ["missing source", "outside path"])
def test_a_source_whose_text_is_not_in_the_file_is_skipped_and_named(
    tmp_path: Path, kind: str
) -> None:
    path = _hostile(tmp_path, kind)
    bundle, summary = read_qdpx(path)
    assert bundle.sources == () and bundle.codings == ()
    [line] = [s for s in summary.skipped if "'Maya'" in s]
    assert "is not in the file" in line
    if kind == "outside path":
        assert "file:///etc/passwd" in line


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_and_broken_files_are_one_line_errors_naming_the_file(
    tmp_path: Path, kind: str
) -> None:
    path = _hostile(tmp_path, kind)
    with pytest.raises(InputFileError) as caught:
        read_qdpx(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert HOSTILE[kind] in message


def test_total_unpacked_size_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(project_qdpx, "MAX_UNPACKED_BYTES", 1000)
    path = _qdpx(tmp_path, _qde(_text_source()), {f"{SOURCE}.txt": "word " * 400})
    with pytest.raises(InputFileError, match="too large once unpacked"):
        read_qdpx(path)


def _project(tmp_path: Path) -> Path:
    path = tmp_path / "target.qcp"
    Project.create(path).close()
    return path


@pytest.mark.parametrize("kind", ["xxe", "zip bomb", "not utf-8 source", "malformed xml"])
def test_a_failed_merge_leaves_the_project_byte_for_byte_unchanged(
    tmp_path: Path, kind: str
) -> None:
    target = _project(tmp_path)
    before = target.read_bytes()
    with pytest.raises(InputFileError):
        merge_qdpx(target, _hostile(tmp_path, kind))
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("target")) == [
        "target.qcp"
    ]


@pytest.mark.parametrize("kind", ["dtd", "binary source"])
def test_a_failed_import_leaves_no_project_behind(tmp_path: Path, kind: str) -> None:
    project = tmp_path / "new.qcp"
    with pytest.raises(InputFileError):
        import_project(_hostile(tmp_path, kind), project)
    assert not any(p.name.startswith("new.qcp") for p in tmp_path.iterdir())


# -- services and CLI -------------------------------------------------------------------


def _good(tmp_path: Path) -> Path:
    start, end = _span(TEXT, "The bus never came")
    return _qdpx(tmp_path, _qde(_text_source(_selection(start, end, _coding()))))


def test_import_project_creates_the_project_from_the_file(tmp_path: Path) -> None:
    project = tmp_path / "study.qcp"
    result = import_project(_good(tmp_path), project)
    assert isinstance(result.summary, ProjectImportSummary)
    assert result.report.written and result.report.count("codings").added == 1
    with Project.open(project) as opened, opened.read_session() as session:
        bundle = load_bundle(session, "x")
        assert opened.name == "Study"
    assert _quote(bundle, CODING) == "The bus never came"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("study.qcp")] == ["study.qcp"]


def test_import_project_refuses_an_existing_project(tmp_path: Path) -> None:
    target = _project(tmp_path)
    before = target.read_bytes()
    with pytest.raises(QualcodeError, match="already exists"):
        import_project(_good(tmp_path), target)
    assert target.read_bytes() == before


def test_merge_qdpx_adds_the_file_to_an_existing_project_by_guid(tmp_path: Path) -> None:
    target = _project(tmp_path)
    qdpx = _good(tmp_path)
    first = merge_qdpx(target, qdpx)
    again = merge_qdpx(target, qdpx)
    assert first.report.count("codings").added == 1
    assert again.report.count("codings").existing == 1 and not again.report.written


def test_cli_import_project_prints_the_summary(tmp_path: Path) -> None:
    project = tmp_path / "study.qcp"
    result = CliRunner().invoke(cli, ["import-project", str(_good(tmp_path)), str(project)])
    assert result.exit_code == 0, result.output
    assert "1 codings" not in result.output and "1 coding" in result.output
    assert "Positions read as code points" in result.output
    assert "Nothing was skipped." in result.output and f"Created {project}." in result.output
    again = CliRunner().invoke(cli, ["import-project", str(_good(tmp_path)), str(project)])
    assert again.exit_code != 0 and "already exists" in again.output


def test_cli_merge_dispatches_a_qdpx_by_its_suffix(tmp_path: Path) -> None:
    target = _project(tmp_path)
    result = CliRunner().invoke(cli, ["merge", str(target), str(_good(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "Read study.qdpx" in result.output and "Merged into" in result.output


def test_cli_merge_knows_a_qdpx_by_its_content_whatever_it_is_called(tmp_path: Path) -> None:
    # Mail systems and colleagues rename files: "study.zip", or no suffix at all.
    target = _project(tmp_path)
    for name in ("study.zip", "study"):
        renamed = tmp_path / name
        renamed.write_bytes(_good(tmp_path).read_bytes())
        result = CliRunner().invoke(cli, ["merge", str(target), str(renamed), "--dry-run"])
        assert result.exit_code == 0, result.output
        assert f"Read {name}" in result.output


def test_code_names_qualcode_cannot_hold_are_renamed_and_said_not_refused(
    tmp_path: Path,
) -> None:
    # MAXQDA allows "a > b" in a name and two siblings differing only in capitals.
    other = "5d7c3f8e-2a41-4b6f-9e0d-1c2b3a4d5e6f"
    arrow = "6e8d4a9f-3b52-4c70-8f1e-2d3c4b5e6f70"
    codes = (
        f'<Code guid="{arrow}" name="Cost &gt; benefit" isCodable="true"/>'
        f'<Code guid="{other}" name="transport" isCodable="true"/>'
    )
    qde = _qde(_text_source()).replace(
        '<Code guid="' + CHILD + '" name="Transport" isCodable="true"/>',
        '<Code guid="' + CHILD + '" name="Transport" isCodable="true"/>' + codes,
    )
    bundle, summary = read_qdpx(_qdpx(tmp_path, qde))
    names = {c.uuid: c.name for c in bundle.codes}
    assert names[arrow] == "Cost \u203a benefit"
    assert names[other] == "transport (2)" and names[CHILD] == "Transport"
    assert any("imported with '›'" in note for note in summary.notes)
    assert any("imported as 'transport (2)'" in note for note in summary.notes)
