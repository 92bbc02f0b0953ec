#!/usr/bin/env python3
"""Write the Unihan test fixtures in Tests/GlyphDataTests/Fixtures from the committed sample.

Unihan_Readings_sample.txt holds real lines of Debian unicode-data 15.0.0's
/usr/share/unicode/Unihan_Readings.txt.bz2: the header and every field of 28 characters chosen
for awkward kDefinitions (cross-references, Cantonese, diacritics, captions that clean to empty)
plus two Extension B characters (one absent from Noto Sans CJK SC).

From it this script derives (deterministically: fixed zip timestamps, bz2 level 9):
  Unihan_Readings_sample.txt.bz2   bzip2 of the sample
  Unihan_sample_deflate.zip        Unihan_Readings.txt (deflate) + Unihan_Variants.txt (stored)
  Unihan_sample_stored.zip         Unihan_Readings.txt stored
  Unihan_Readings_malformed.txt    the sample with line 40 missing its value field

Run: /work/venv/bin/python scripts/reference/make_unihan_fixtures.py
"""

import bz2
import pathlib
import zipfile

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "GlyphDataTests" / "Fixtures"
MALFORMED_LINE = 40  # 1-based


def write_zip(path: pathlib.Path, members: list[tuple[str, bytes, int]]) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, date_time=(2022, 8, 1, 0, 0, 0))
            info.compress_type = method
            info.external_attr = 0o644 << 16
            z.writestr(info, data)


def main() -> None:
    sample = (FIXTURES / "Unihan_Readings_sample.txt").read_bytes()
    (FIXTURES / "Unihan_Readings_sample.txt.bz2").write_bytes(bz2.compress(sample, 9))
    variants = b"# Unihan_Variants.txt (not read)\nU+3400\tkSemanticVariant\tU+4E18\n"
    write_zip(
        FIXTURES / "Unihan_sample_deflate.zip",
        [
            ("Unihan_Variants.txt", variants, zipfile.ZIP_STORED),
            ("Unihan_Readings.txt", sample, zipfile.ZIP_DEFLATED),
        ],
    )
    write_zip(FIXTURES / "Unihan_sample_stored.zip", [("Unihan_Readings.txt", sample, zipfile.ZIP_STORED)])
    lines = sample.split(b"\n")
    fields = lines[MALFORMED_LINE - 1].split(b"\t")
    assert len(fields) == 3 and fields[0].startswith(b"U+"), fields
    lines[MALFORMED_LINE - 1] = b"\t".join(fields[:2])
    (FIXTURES / "Unihan_Readings_malformed.txt").write_bytes(b"\n".join(lines))


if __name__ == "__main__":
    main()
