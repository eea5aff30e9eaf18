"""Every citation points at its exact passage: `migov data validate` recomputes each
digest from the source texts, refuses a passage that is empty, too long or does not
match (naming file, line and reason), and says plainly when the texts are not at hand."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli as cli_app
from app.dataset import check as dataset_checks
from app.dataset import passages
from app.dataset import read as dataset_read
from app.dataset.citations import citations_in
from app.dataset.files import DATASET_FILES
from tests.services.cited import passage, source_texts, text_of
from tests.services.data_files import append_entry

WEB = "mirps-sp-web-2021"
NEXT = len(dataset_read.read_dataset().programmes)  # the index of an appended programme
# A programme appended to a copy of the data: the next entry, its passage on the 6th line.
PROGRAMME = (
    "- id: broken-passage\n"
    "  name: Broken\n"
    "  kind: initiative\n"
    "  description: A fixture.\n"
    "  citations:\n"
    "    - source: mirps-sp-web-2021\n"
    "      passage: {PASSAGE}\n"
)


def _problems(data_dir: Path) -> list[str]:
    dataset = dataset_read.read_dataset(data_dir)
    return dataset_checks.check_dataset(dataset, source_texts()).problems


def test_the_digest_is_sha256_of_the_utf8_slice() -> None:
    text = "Año 2021: «más»"
    assert passages.digest(text, 0, 3) == hashlib.sha256("Año".encode()).hexdigest()
    # Offsets count code points, not bytes: ñ is one character.
    assert passages.find(text, "2021") == [(4, 8)]


def test_find_lets_any_run_of_white_space_match_and_spans_first_to_last() -> None:
    text = "one two\n\nthree four five"
    assert passages.find(text, "two three") == [(4, 14)]
    assert passages.find(text, "one ... four") == [(0, 19)]
    assert passages.find(text, "six") == []


def test_every_citation_of_a_source_with_a_text_has_a_passage_whose_digest_recomputes() -> None:
    dataset = dataset_read.read_dataset()
    with_text = {s.id for s in dataset.sources if s.text}
    cited = [
        citation
        for name in DATASET_FILES
        for entry in getattr(dataset, name)
        for _path, citation in citations_in(entry)
        if citation.source in with_text
    ]
    dated = sum(
        1
        for s in dataset.sources
        for date in ("published", "published_not_before", "published_not_after")
        if s.text and getattr(s, date) is not None
    )
    report = dataset_checks.check_dataset(dataset, source_texts())
    assert report.problems == []
    assert all(c.passage is not None for c in cited)
    assert len(cited) > 200
    assert report.passages_checked == len(cited) + dated
    assert report.passages_note == (
        f"passage digests: {len(cited) + dated} recomputed from {source_texts().folder}"
    )


def test_every_passage_digest_is_the_digest_of_its_slice() -> None:
    """Independently of the checker: hash each slice again with hashlib."""
    dataset = dataset_read.read_dataset()
    for name in DATASET_FILES:
        for entry in getattr(dataset, name):
            for _path, citation in citations_in(entry):
                if citation.passage is None:
                    continue
                text = text_of(citation.source)
                piece = text[citation.passage.start : citation.passage.end]
                assert 0 < len(piece) <= 600
                assert hashlib.sha256(piece.encode("utf-8")).hexdigest() == citation.passage.sha256


@pytest.mark.parametrize(
    ("span", "reason"),
    [
        ("{start: 120, end: 120, sha256: %s}", "it is empty (start 120, end 120)"),
        ("{start: 0, end: 601, sha256: %s}", "it is 601 characters long, over the limit of 600"),
        ("{start: 0, end: 22, sha256: %s}", "its digest does not match the text"),
        ("{start: 2800, end: 2900, sha256: %s}", "it ends at 2900, past the end of the text"),
    ],
    ids=["empty", "too-long", "wrong-digest", "past-the-end"],
)
def test_a_broken_passage_names_file_line_and_reason(
    data_dir: Path, span: str, reason: str
) -> None:
    wrong = hashlib.sha256(b"not the passage").hexdigest()
    line = append_entry(data_dir, "programmes", PROGRAMME.replace("{PASSAGE}", span % wrong))
    problems = _problems(data_dir)
    assert len(problems) == 1, problems
    prefix = (
        f"programmes.yaml:{line + 6} entry {NEXT} (broken-passage): the passage of {WEB} is wrong: "
    )
    assert problems[0].startswith(prefix + reason), problems[0]


def test_a_citation_without_a_passage_is_refused(data_dir: Path) -> None:
    line = append_entry(data_dir, "programmes", PROGRAMME.replace("      passage: {PASSAGE}\n", ""))
    assert _problems(data_dir) == [
        f"programmes.yaml:{line + 5} entry {NEXT} (broken-passage): a citation of {WEB} names no "
        "passage (every citation of a source with a text points at its passage)"
    ]


def test_the_span_checks_hold_without_the_texts(data_dir: Path) -> None:
    wrong = hashlib.sha256(b"x").hexdigest()
    line = append_entry(
        data_dir,
        "programmes",
        PROGRAMME.replace("{PASSAGE}", f"{{start: 5, end: 700, sha256: {wrong}}}"),
    )
    dataset = dataset_read.read_dataset(data_dir)
    report = dataset_checks.check_dataset(dataset, passages.source_texts(data_dir / "absent"))
    assert report.problems == [
        f"programmes.yaml:{line + 6} entry {NEXT} (broken-passage): the passage of {WEB} is wrong: "
        "it is 695 characters long, over the limit of 600"
    ]
    assert report.passages_checked == 0


def test_a_source_date_names_the_passage_of_its_own_text(data_dir: Path) -> None:
    path = data_dir / "sources.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  published_passage:"))
    path.write_text("\n".join(lines[:at] + lines[at + 1 :]) + "\n", encoding="utf-8")
    assert _problems(data_dir) == [
        f"sources.yaml:{at} entry 2 (wrmc-2021-regional-cooperation): its published date "
        "names no passage of its own text (a source's dates come from its text, or are left "
        "open)"
    ]


def test_validate_says_plainly_when_it_skipped_the_digests(tmp_path: Path) -> None:
    absent = tmp_path / "no-texts"
    result = CliRunner().invoke(cli_app, ["data", "validate", "--texts", str(absent)])
    assert result.exit_code == 0, result.output
    assert (
        f"passage digests NOT checked: no folder of source texts at {absent} "
        "(set MIGOV_SOURCE_TEXTS)"
    ) in result.output
    checked = CliRunner().invoke(
        cli_app, ["data", "validate", "--texts", str(source_texts().folder)]
    )
    assert checked.exit_code == 0, checked.output
    assert f"recomputed from {source_texts().folder}" in checked.output


def test_validate_fails_on_a_wrong_digest(data_dir: Path) -> None:
    wrong = hashlib.sha256(b"nope").hexdigest()
    append_entry(
        data_dir,
        "programmes",
        PROGRAMME.replace("{PASSAGE}", f"{{start: 0, end: 22, sha256: {wrong}}}"),
    )
    result = CliRunner().invoke(
        cli_app,
        ["data", "validate", "--data-dir", str(data_dir), "--texts", str(source_texts().folder)],
    )
    assert result.exit_code == 1
    assert "(broken-passage): the passage of mirps-sp-web-2021 is wrong: its digest" in (
        result.output
    )


def test_cite_prints_the_span_and_digest_of_a_phrase() -> None:
    phrase = "launched in December 2019"
    result = CliRunner().invoke(
        cli_app, ["data", "cite", WEB, phrase, "--texts", str(source_texts().folder)]
    )
    assert result.exit_code == 0, result.output
    text = text_of(WEB)
    start = text.index(phrase)
    end = start + len(phrase)
    digest = hashlib.sha256(text[start:end].encode()).hexdigest()
    assert result.output == f"passage: {{start: {start}, end: {end}, sha256: {digest}}}\n"
    assert passage(WEB, phrase) == f"{{start: {start}, end: {end}, sha256: {digest}}}"


def test_cite_refuses_a_phrase_that_is_not_there() -> None:
    result = CliRunner().invoke(
        cli_app,
        ["data", "cite", WEB, "launched in May 2031", "--texts", str(source_texts().folder)],
    )
    assert result.exit_code == 1
    assert "the phrase occurs 0 time(s)" in result.output


def test_the_default_folder_is_beside_the_main_checkout(tmp_path: Path) -> None:
    from app.config import _main_checkout

    main, linked = tmp_path / "main", tmp_path / "wt" / "feature"
    (main / ".git" / "worktrees" / "feature").mkdir(parents=True)
    linked.mkdir(parents=True)
    (linked / ".git").write_text(f"gitdir: {main}/.git/worktrees/feature\n", encoding="utf-8")
    assert _main_checkout(main) == main  # .git is a folder: the checkout itself
    assert _main_checkout(linked) == main  # a linked worktree: the checkout that owns it
    plain = tmp_path / "export"
    plain.mkdir()
    assert _main_checkout(plain) == plain  # no git at all (an image): the folder itself


def test_a_clone_finds_the_texts_beside_the_checkout_it_was_cloned_from(tmp_path: Path) -> None:
    from app.config import default_source_texts

    origin = tmp_path / "work" / "main"
    (origin / ".git").mkdir(parents=True)
    seeds = tmp_path / "work" / "shared" / "seeds"
    seeds.mkdir(parents=True)
    clone = tmp_path / "ci" / "run" / "main"
    (clone / ".git").mkdir(parents=True)
    (clone / ".git" / "config").write_text(
        f'[core]\n\tbare = false\n[remote "origin"]\n\turl = {origin}\n'
        "\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
        encoding="utf-8",
    )
    assert default_source_texts(origin) == seeds  # beside the checkout itself
    assert default_source_texts(clone) == seeds  # beside the checkout it was cloned from
    (tmp_path / "ci" / "run" / "shared" / "seeds").mkdir(parents=True)
    assert default_source_texts(clone) == tmp_path / "ci" / "run" / "shared" / "seeds"
    stranger = tmp_path / "elsewhere" / "main"
    (stranger / ".git").mkdir(parents=True)
    assert default_source_texts(stranger) == tmp_path / "elsewhere" / "shared" / "seeds"
