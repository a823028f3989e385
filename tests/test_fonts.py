"""Bundled fonts: manifest integrity, @font-face only from fonts/, and the coverage check before rendering."""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from conftest import FONTS, SEED, run_cli, write_data
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont

from communique.errors import ErrorList
from communique.fonts import FontFace, FontSet, check_coverage, faces
from communique.loader import load
from communique.model import BuildResult


def test_manifest_lists_every_font_file_with_its_hash_and_cmap() -> None:
    listed = faces(FONTS)
    assert {face.path.name for face in listed} == {path.name for path in FONTS.glob("*.[ot]tf")}
    for face in listed:
        assert hashlib.sha256(face.path.read_bytes()).hexdigest() == face.sha256, face.path.name
        assert set(TTFont(face.path, lazy=True).getBestCmap()) == face.code_points(), face.path.name


def test_japanese_face_has_regular_and_bold_and_the_jis_repertoire() -> None:
    japanese = [face for face in faces(FONTS) if face.family == "Communique Serif JP"]
    assert sorted(face.weight for face in japanese) == [400, 700]
    jis_x_0208_sample = "亜唖娃阿哀愛挨姶逢葵茜穐悪握渥旭葦芦鯵梓圧斡扱宛姐虻飴絢綾鮎或粟袷安庵按暗案闇鞍杏"
    jis_x_0213_sample = "俱剝𠮟吞噓姸屛幷瘦繫"  # includes plane-2 / non-BMP kanji of JIS X 0213
    latin_greek_cyrillic = "AzÀÿŒœ€ΑΩαωАЯая"
    for face in japanese:
        points = face.code_points()
        for char in jis_x_0208_sample + jis_x_0213_sample + latin_greek_cyrillic:
            assert ord(char) in points, f"{char} missing from {face.path.name}"
        assert len(points) > 13000


def test_font_css_loads_only_bundled_files() -> None:
    css = FontSet(faces(FONTS)).face_css(("ja", "en"))
    urls = re.findall(r'url\("([^"]+)"\)', css)
    assert len(urls) == len(faces(FONTS))
    assert all(url.startswith(FONTS.resolve().as_uri() + "/") for url in urls)
    assert "local(" not in css


def test_character_without_a_glyph_is_located(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8").replace("共に努力していく", "共に努力😀していく")
    path = write_data(tmp_path, text)
    with pytest.raises(ErrorList) as caught:
        check_coverage(load(path), FontSet(faces(FONTS)))
    (problem,) = caught.value.problems
    line = next(number for number, content in enumerate(text.splitlines(), 1) if "😀" in content)
    column = text.splitlines()[line - 1].index("😀") + 1
    assert problem.location is not None
    assert (problem.location.line, problem.location.column) == (line, column)
    assert "U+1F600" in str(problem) and "GRINNING FACE" in str(problem) and "'ja'" in str(problem)


def test_missing_glyph_fails_the_build_and_writes_nothing(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8").replace("en: Koike Yuriko", "en: Koike Yuriko ☃︎")
    path = write_data(tmp_path, text, "snow.yaml")
    out = tmp_path / "out"
    result = run_cli("build", str(path), "--out", str(out))
    assert result.returncode == 1, result.stderr
    assert "U+FE0E" in result.stderr or "U+2603" in result.stderr
    assert re.search(rf"{re.escape(str(path))}:\d+:\d+: character", result.stderr)
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


# --- One face per script: the repertoires, the stacks, and which face draws each language's text ---

SC, TC, HK, KR = (f"Communique Serif {region}" for region in ("SC", "TC", "HK", "KR"))
JP, LATIN = "Communique Serif JP", "Communique Serif"
THAI, ARABIC, HEBREW = "Communique Serif Thai", "Communique Naskh Arabic", "Communique Serif Hebrew"


def family_faces(family: str) -> list[FontFace]:
    return [face for face in faces(FONTS) if face.family == family]


def decoded(codec: str, leads: range, trails: list[int], last: int = 0xFFFF) -> set[int]:
    """The code points the two-byte codes lead-trail (up to `last`) decode to in `codec`."""
    points = set()
    for lead in leads:
        for trail in trails:
            if lead << 8 | trail <= last:
                with contextlib.suppress(UnicodeDecodeError):
                    points.update(map(ord, bytes([lead, trail]).decode(codec)))
    return points


EUC = list(range(0xA1, 0xFF))
BIG5 = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
GB2312 = decoded("gb2312", range(0xA1, 0xF8), EUC)
BIG5_LEVEL_1 = decoded("big5", range(0xA4, 0xC7), BIG5, last=0xC67E)
KS_X_1001 = decoded("euc_kr", range(0xA1, 0xFF), EUC)
HANGUL = set(range(0xAC00, 0xD7A4))
CJK_PUNCTUATION = "、。，．：；？！「」『』（）〔〕【】《》〈〉“”‘’・…—〜　"


@pytest.mark.parametrize(
    ("family", "repertoire", "hanzi"),
    [
        (SC, GB2312, 6763),  # GB 2312, and the Table of General Standard Chinese Characters (8,105)
        (TC, BIG5_LEVEL_1, 5401),  # Big5 level 1
        (HK, BIG5_LEVEL_1, 5401),  # Big5 level 1 in Hong Kong forms, and the HK common-character list
        (KR, KS_X_1001 | HANGUL, 4888),  # KS X 1001 (with its 4,888 hanja) and all 11,172 syllables
    ],
)
def test_each_cjk_face_has_regular_and_bold_and_its_repertoire(
    family: str, repertoire: set[int], hanzi: int
) -> None:
    regular, bold = sorted(family_faces(family), key=lambda face: face.weight)
    assert (regular.weight, bold.weight) == (400, 700)
    assert regular.code_points() == bold.code_points()
    points = regular.code_points()
    letters = {
        point for point in repertoire if unicodedata.name(chr(point), "").startswith(("CJK", "HANGUL"))
    }
    assert letters <= points, "".join(chr(point) for point in sorted(letters - points))[:40]
    assert len({point for point in letters if unicodedata.name(chr(point)).startswith("CJK")}) >= hanzi
    # KS X 1001's symbols that Noto Serif CJK lacks are in the Latin face, but for three it lacks too
    stack = points | family_faces(LATIN)[0].code_points()
    assert repertoire - stack <= {ord(char) for char in "∼≒◈"}
    assert set(map(ord, CJK_PUNCTUATION + "AZaz09€ΑΩАЯ")) <= points


def test_chinese_repertoires_go_beyond_the_codecs() -> None:
    sc, tc, hk = (family_faces(family)[0].code_points() for family in (SC, TC, HK))
    assert {ord(char) for char in "啰乂堃𠙶"} <= sc  # 通用规范汉字表 levels 1 to 3, not in GB 2312
    assert {ord(char) for char in "邨着"} <= hk - tc  # 常用字字形表 (Hong Kong), not in Big5 level 1
    assert (
        len(sc) > 8500
        and len(tc) > 5800
        and len(hk) > len(tc)
        and len(family_faces(KR)[0].code_points()) > 17000
    )


def outline(face: FontFace, char: str) -> str:
    """The drawing of the glyph for `char` (subroutines followed)."""
    with TTFont(face.path, lazy=True) as font:
        pen = RecordingPen()
        font.getGlyphSet()[font.getBestCmap()[ord(char)]].draw(pen)
        return repr(pen.value)


@pytest.mark.parametrize(
    ("char", "same", "different"),
    [
        ("直", [(JP, KR), (SC, TC)], [JP, SC, HK]),  # three forms of one character
        ("骨", [(JP, KR, HK)], [SC, TC]),
        ("。", [(JP, KR, SC), (TC, HK)], []),  # full stop in the corner, and centred in TC and HK
        ("“", [(SC, TC, HK)], [JP]),
    ],
)
def test_each_cjk_face_draws_its_regions_forms(
    char: str, same: list[tuple[str, ...]], different: list[str]
) -> None:
    shapes = {family: outline(family_faces(family)[0], char) for family in (JP, SC, TC, HK, KR)}
    for group in same:
        assert len({shapes[family] for family in group}) == 1, group
    assert len({shapes[family] for family in different}) == len(different), different


@pytest.mark.parametrize(
    ("family", "script_sample", "features"),
    [
        (THAI, "กขคงจฉชซญฎฐณดตถทธนบปผพฟภมยรลวศษสหฬอฮะาำิีึืุูเแโใไๅๆ็่้๊๋์๐๙", {"mark", "mkmk"}),
        (ARABIC, "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي٠٩،؛؟ًٌٍَُِّْپچژکگی", {"init", "medi", "fina", "rlig", "mark"}),
        (HEBREW, "אבגדהוזחטיךכלםמןנסעףפץצקרשתְֱֲֳִֵֶַָֹֻּׁׂ־׳״", {"mark"}),
    ],
)
def test_script_faces_keep_their_shaping_tables(family: str, script_sample: str, features: set[str]) -> None:
    regular, bold = sorted(family_faces(family), key=lambda face: face.weight)
    assert (regular.weight, bold.weight) == (400, 700)
    for face in (regular, bold):
        assert set(map(ord, script_sample + " \u00a0\u200c\u200d\u25cc")) <= face.code_points(), (
            face.path.name
        )
        with TTFont(face.path, lazy=True) as font:
            tags = {
                record.FeatureTag
                for table in ("GSUB", "GPOS")
                for record in font[table].table.FeatureList.FeatureRecord
            }
        assert features <= tags, face.path.name
        with TTFont(face.path, lazy=True) as font:  # a no-break space copies as one (whitespace.py)
            assert font.getBestCmap()[0xA0] != font.getBestCmap()[0x20], face.path.name


@pytest.mark.parametrize(
    ("lang", "first"),
    [
        ("ja", JP),
        ("ja-JP", JP),
        ("zh", SC),
        ("zh-Hans", SC),
        ("zh-CN", SC),
        ("zh-SG", SC),
        ("zh-Hans-HK", SC),
        ("zh-Hant", TC),
        ("zh-TW", TC),
        ("zh-Hant-TW", TC),
        ("zh-HK", HK),
        ("zh-MO", HK),
        ("zh-Hant-HK", HK),
        ("yue", HK),
        ("ko", KR),
        ("ko-KR", KR),
        ("th", THAI),
        ("ar", ARABIC),
        ("ar-EG", ARABIC),
        ("fa", ARABIC),
        ("ur", ARABIC),
        ("he", HEBREW),
        ("yi", HEBREW),
        ("en", LATIN),
        ("fi", LATIN),
        ("ja-Latn", LATIN),
        ("sr-Latn", LATIN),
        ("x-private", LATIN),
    ],
)
def test_the_stack_starts_with_the_face_of_the_languages_script(lang: str, first: str) -> None:
    stack = FontSet(faces(FONTS)).stack(lang)
    assert stack[0] == first
    # a CJK face before the Latin one: the Latin face never sets the punctuation of CJK text
    assert stack[1] == LATIN or first == LATIN
    assert set(stack) == {face.family for face in faces(FONTS)}  # every face is a fallback


def test_cjk_in_other_languages_text_is_drawn_in_the_documents_cjk_face() -> None:
    fonts = FontSet(faces(FONTS))
    assert fonts.stack("en", ("zh-Hant", "en"))[:3] == (LATIN, TC, HK)
    assert fonts.stack("en", ("zh-Hans", "en"))[:3] == (LATIN, SC, TC)
    assert fonts.stack("en", ("ko", "en"))[:3] == (LATIN, KR, TC)
    assert fonts.stack("en")[:2] == (LATIN, JP)
    assert fonts.stack("zh-Hant", ("zh-Hant", "en"))[:3] == (TC, LATIN, HK)


def test_missing_character_in_chinese_text_is_located(tmp_path: Path) -> None:
    text = sample("zh-Hant").replace("直接", "直😀接")
    with pytest.raises(ErrorList) as caught:
        check_coverage(load(write_data(tmp_path, text)), FontSet(faces(FONTS)))
    (problem,) = caught.value.problems
    line = next(number for number, content in enumerate(text.splitlines(), 1) if "😀" in content)
    column = text.splitlines()[line - 1].index("😀") + 1
    assert problem.location is not None
    assert (problem.location.line, problem.location.column) == (line, column)
    assert "U+1F600" in str(problem) and "'zh-Hant'" in str(problem)
    assert f"({TC}, {LATIN}, {HK}," in str(problem)


# Per language: title, party, office, name and a paragraph, and the characters only its text has.
SAMPLES = {
    "zh-Hans": (
        "友好城市关系备忘录",
        "甲市",
        "市长",
        "王小明",
        "双方同意，直接开展教育、文化交流，以“骨干人才”互访为重点。",
    ),
    "zh-Hant": (
        "友好城市關係備忘錄",
        "甲市",
        "市長",
        "王小明",
        "雙方同意，直接開展教育、文化交流，以「骨幹人才」互訪為重點。",
    ),
    "zh-HK": (
        "友好城市關係備忘錄",
        "甲市",
        "市長",
        "陳大文",
        "雙方同意，直接開展教育、文化交流，以「骨幹人才」互訪為重點。",
    ),
    "ko": (
        "우호 도시 협정서",
        "갑시",
        "시장",
        "김민준",
        "양 도시는 교육·문화 분야에서 직접(直接) 교류하며, 「골간(骨幹)」 인재의 방문에 중점을 둔다.",
    ),
    "th": (
        "บันทึกความเข้าใจว่าด้วยเมืองพี่เมืองน้อง",
        "เมืองก",
        "นายกเทศมนตรี",
        "สมชาย ใจดี",
        "ทั้งสองเมืองตกลงที่จะส่งเสริมความร่วมมือด้านการศึกษาและวัฒนธรรม",
    ),
    "ar": (
        "مذكرة تفاهم بشأن التوأمة",
        "مدينة أ",
        "رئيس البلدية",
        "أحمد علي",
        "اتفقت المدينتان على تعزيز التعاون في مجالي التعليم والثقافة.",
    ),
    "he": (
        "מזכר הבנות בדבר ערים תאומות",
        "עיר א",
        "ראש העיר",
        "דוד לוי",
        "שתי הערים הסכימו לקדם שיתוף פעולה בתחומי החינוך והתרבות.",
    ),
}
OWN_TEXT = {
    "zh-Hans": (SC, "直骨备忘录，。、“”"),
    "zh-Hant": (TC, "直骨備忘錄，。、「」"),
    "zh-HK": (HK, "直骨備忘錄，。、「」"),
    "ko": (KR, "우호도시협정서직접直接骨幹「」"),
    "th": (THAI, "บันทึกความเข้าใจเมืองพี่น้อง"),
    "ar": (ARABIC, "مذكرةتفاهمبشأنالتوأمة"),
    "he": (HEBREW, "מזכרהבנותבדברעריםתאומות"),
}


def sample(lang: str) -> str:
    title, party, office, name, paragraph = SAMPLES[lang]
    return f"""id: fonts-{lang.lower()}
date: 2024-05-01
languages: [{lang}, en]
title:
  {lang}: {title}
  en: Memorandum of Friendship
parties:
  - key: a
    name: {{{lang}: {party}, en: City of A}}
    country: {{{lang}: {party}, en: Country A}}
    signatories:
      - {{title: {{{lang}: {office}, en: Mayor}}, name: {{{lang}: {name}, en: Jane Doe}}}}
body:
  - {lang}: {paragraph}
    en: Both cities agree to exchanges in education and culture (Seoul 서울, Taipei 臺北, Eilat אילת).
"""


def drawn_by(pdf: Path) -> dict[str, set[str]]:
    """Every character drawn in the PDF, with the families of the embedded fonts that draw it
    ('ABCDEF+Communique-Serif-TC-Bold' -> 'Communique Serif TC')."""
    found: dict[str, set[str]] = {}

    def visit(text: str, _cm: object, _tm: object, font: object, _size: object) -> None:
        if isinstance(font, dict) and "/BaseFont" in font:
            name = str(font["/BaseFont"]).lstrip("/").split("+", 1)[1].removesuffix("-Bold")
            for char in text:
                found.setdefault(char, set()).add(name.replace("-", " "))

    for page in pypdf.PdfReader(pdf).pages:
        page.extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize("lang", list(SAMPLES))
def test_each_language_is_drawn_in_its_own_face(
    lang: str, tmp_path: Path, build_seed: Callable[..., BuildResult]
) -> None:
    pdf = build_seed(write_data(tmp_path, sample(lang), f"{lang}.yaml")).output
    fonts = drawn_by(pdf)
    family, own = OWN_TEXT[lang]
    for char in own:
        assert fonts.get(char) == {family}, (char, fonts.get(char))
    for char in "MemorandumFriendshipBothcitiesagreeJaneDoeMayor":
        assert fonts.get(char) == {LATIN}, (char, fonts.get(char))
    # quoted in the English text: Hangul, Han characters and Hebrew, each in its script's face, and
    # Han characters in the document's CJK face (or its nearest fallback: 臺 is not in the SC repertoire)
    assert fonts["서"] == {KR}
    assert fonts["臺"] == {{SC: TC}.get(family, family) if family in (SC, TC, HK, KR) else JP}
    assert fonts["א"] == {HEBREW}
