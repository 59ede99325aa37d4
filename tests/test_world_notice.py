"""The public notice (公示) of a small ledger, written out by hand: which rows, in which order
(grades in school order, not text order), masked names, the period in working days, amounts in
yuan without thousands separators, and the total."""
from __future__ import annotations

import datetime as dt

import pytest

from store.core.errors import UsageError
from store.privacy.notice import build_notice, write_notice

TERM = "2025-2026-2"
BOARD, MEAL = "义务教育寄宿生生活补助", "营养改善计划"


@pytest.fixture
def paid(ledger):
    def put(record):
        return ledger.put({"schema_version": 1, **record}).id

    shahe = put({"type": "school", "name": "沙河镇第二中心小学", "stage": "小学", "county": "某县", "area": "镇区"})
    shiqiao = put({"type": "school", "name": "石桥镇第二中心小学", "stage": "小学", "county": "某县", "area": "乡村"})

    def student(name, school, grade, class_name, stage="小学", **extra):
        return put({"type": "student", "name": name, "sex": "女", "school": school, "stage": stage, "grade": grade,
                    "class_name": class_name, "events": [{"date": "2025-09-01", "event": "认定"}], **extra})

    def aid(sid, programme, fen, term=TERM):
        put({"type": "aid", "student": sid, "programme": programme, "term": term, "amount_fen": fen,
             "paid_on": "2026-03-02", "source": "中央", "method": "银行卡"})

    wang = student("王芳", shahe, "初一", "1班", stage="初中")
    zhang = student("张小伟", shahe, "三年级", "1班", difficulty="特别困难")
    zhao = student("赵强", shahe, "六年级", "2班")
    li = student("李娜", shahe, "二年级", "2班")
    ouyang = student("欧阳娜娜", shiqiao, "九年级", "3班", stage="初中")
    aid(wang, BOARD, 125000)
    aid(zhang, MEAL, 40000)
    aid(zhang, BOARD, 62500)
    aid(zhao, BOARD, 62500)
    aid(li, BOARD, 62500)
    aid(ouyang, BOARD, 125000)
    aid(li, MEAL, 40000, term="2025-2026-1")          # another term: not in this notice
    return {"shahe": shahe, "shiqiao": shiqiao}


CSV_SHAHE = (
    "\ufeff"
    "沙河镇第二中心小学2025-2026 学年第二学期学生资助公示\r\n"
    "公示期：2026-03-06 至 2026-03-12（5 个工作日）\r\n"
    "\r\n"
    "序号,姓名,学校,年级,班级,资助项目,资助档次,金额（元）\r\n"
    "1,李*,沙河镇第二中心小学,二年级,2班,义务教育寄宿生生活补助,,625.00\r\n"
    "2,张**,沙河镇第二中心小学,三年级,1班,义务教育寄宿生生活补助,特别困难,625.00\r\n"
    "3,张**,沙河镇第二中心小学,三年级,1班,营养改善计划,特别困难,400.00\r\n"
    "4,赵*,沙河镇第二中心小学,六年级,2班,义务教育寄宿生生活补助,,625.00\r\n"
    "5,王*,沙河镇第二中心小学,初一,1班,义务教育寄宿生生活补助,,1250.00\r\n"
    "合计（5 笔）,,,,,,,3525.00\r\n"
    "\r\n"
    "如对公示内容有异议，请在公示期内向学校学生资助工作负责人反映。\r\n"
)


def test_one_schools_notice_as_a_reader_gets_it(ledger, paid, tmp_path):
    notice = build_notice(ledger, TERM, start="2026-03-06", days=5, school=paid["shahe"])   # a Friday
    assert (notice.start, notice.end) == (dt.date(2026, 3, 6), dt.date(2026, 3, 12))
    assert notice.total_fen == 352500
    write_notice(notice, tmp_path / "公示.csv")
    assert (tmp_path / "公示.csv").read_bytes().decode("utf-8") == CSV_SHAHE


def test_every_school_and_names_in_full_when_asked(ledger, paid, tmp_path):
    notice = build_notice(ledger, TERM, mask_names=False, start=dt.date(2026, 3, 2), days=1)
    assert (notice.start, notice.end) == (dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    assert [(r.name, r.school, r.grade, r.programme, r.amount_fen) for r in notice.rows] == [
        ("李娜", "沙河镇第二中心小学", "二年级", BOARD, 62500),
        ("张小伟", "沙河镇第二中心小学", "三年级", BOARD, 62500),
        ("张小伟", "沙河镇第二中心小学", "三年级", MEAL, 40000),
        ("赵强", "沙河镇第二中心小学", "六年级", BOARD, 62500),
        ("王芳", "沙河镇第二中心小学", "初一", BOARD, 125000),
        ("欧阳娜娜", "石桥镇第二中心小学", "九年级", BOARD, 125000),
    ]
    write_notice(notice, tmp_path / "n.md")
    md = (tmp_path / "n.md").read_text(encoding="utf-8").splitlines()
    assert md[0] == "# 2025-2026 学年第二学期学生资助公示"
    assert md[2] == "公示期：2026-03-02 至 2026-03-02（1 个工作日）"
    assert md[4:6] == ["| 序号 | 姓名 | 学校 | 年级 | 班级 | 资助项目 | 资助档次 | 金额（元） |",
                       "|---|---|---|---|---|---|---|---:|"]
    assert md[11] == "| 6 | 欧阳娜娜 | 石桥镇第二中心小学 | 九年级 | 3班 | 义务教育寄宿生生活补助 |  | 1,250.00 |"
    assert md[12] == "| 合计（6 笔） |  |  |  |  |  |  | 4,775.00 |"


@pytest.mark.parametrize("start,days,end", [
    ("2026-03-02", 5, "2026-03-06"),     # Monday to Friday
    ("2026-03-06", 2, "2026-03-09"),     # Friday, then Monday
    ("2026-03-07", 1, "2026-03-09"),     # from a Saturday: Monday is the first working day
    ("2026-03-08", 6, "2026-03-16"),     # from a Sunday
    ("2026-03-02", 10, "2026-03-13"),    # two weeks
])
def test_the_period_counts_working_days(ledger, paid, start, days, end):
    notice = build_notice(ledger, TERM, start=start, days=days)
    assert notice.end == dt.date.fromisoformat(end)


@pytest.mark.parametrize("kwargs,key", [
    ({"term": "2025-2026-3"}, "privacy.notice.bad_term"),
    ({"term": "2025-2027"}, "privacy.notice.bad_term"),
    ({"days": 0}, "privacy.notice.bad_days"),
    ({"start": "2026-02-30"}, "privacy.notice.bad_date"),
])
def test_a_wrong_term_period_or_date_is_said_plainly(ledger, paid, kwargs, key):
    args = {"term": TERM, "start": "2026-03-02", "days": 5, **kwargs}
    with pytest.raises(UsageError) as caught:
        build_notice(ledger, args.pop("term"), **args)
    assert caught.value.key == key
    with pytest.raises(UsageError) as caught:
        write_notice(build_notice(ledger, TERM, start="2026-03-02"), "-", "pdf")
    assert caught.value.key == "privacy.notice.bad_format"


MD_SHAHE = (
    "# 沙河镇第二中心小学2025-2026 学年第二学期学生资助公示\n"
    "\n"
    "公示期：2026-03-06 至 2026-03-12（5 个工作日）\n"
    "\n"
    "| 序号 | 姓名 | 学校 | 年级 | 班级 | 资助项目 | 资助档次 | 金额（元） |\n"
    "|---|---|---|---|---|---|---|---:|\n"
    "| 1 | 李\\* | 沙河镇第二中心小学 | 二年级 | 2班 | 义务教育寄宿生生活补助 |  | 625.00 |\n"
    "| 2 | 张\\*\\* | 沙河镇第二中心小学 | 三年级 | 1班 | 义务教育寄宿生生活补助 | 特别困难 | 625.00 |\n"
    "| 3 | 张\\*\\* | 沙河镇第二中心小学 | 三年级 | 1班 | 营养改善计划 | 特别困难 | 400.00 |\n"
    "| 4 | 赵\\* | 沙河镇第二中心小学 | 六年级 | 2班 | 义务教育寄宿生生活补助 |  | 625.00 |\n"
    "| 5 | 王\\* | 沙河镇第二中心小学 | 初一 | 1班 | 义务教育寄宿生生活补助 |  | 1,250.00 |\n"
    "| 合计（5 笔） |  |  |  |  |  |  | 3,525.00 |\n"
    "\n"
    "如对公示内容有异议，请在公示期内向学校学生资助工作负责人反映。\n"
)


def test_one_schools_notice_in_markdown_whole(ledger, paid, tmp_path):
    # The masks' stars are escaped: unescaped, a Markdown reader would set the names in italics.
    write_notice(build_notice(ledger, TERM, start="2026-03-06", days=5, school=paid["shahe"]), tmp_path / "公示.md")
    assert (tmp_path / "公示.md").read_text(encoding="utf-8") == MD_SHAHE


def test_one_schools_notice_as_a_spreadsheet(ledger, paid, tmp_path):
    from decimal import Decimal

    from openpyxl import load_workbook

    write_notice(build_notice(ledger, TERM, start="2026-03-06", days=5, school=paid["shahe"]), tmp_path / "公示.xlsx")
    rows = [tuple(c for c in row) for row in load_workbook(tmp_path / "公示.xlsx").active.iter_rows(values_only=True)]
    assert rows[0][0] == "沙河镇第二中心小学2025-2026 学年第二学期学生资助公示"
    assert rows[1][0] == "公示期：2026-03-06 至 2026-03-12（5 个工作日）"
    assert rows[3] == ("序号", "姓名", "学校", "年级", "班级", "资助项目", "资助档次", "金额（元）")
    assert rows[4] == (1, "李*", "沙河镇第二中心小学", "二年级", "2班", BOARD, None, 625)
    assert rows[9] == ("合计（5 笔）", None, None, None, None, None, None, 3525)
    assert Decimal(str(rows[8][7])) == Decimal("1250")
    assert rows[11][0] == "如对公示内容有异议，请在公示期内向学校学生资助工作负责人反映。"


def test_a_grade_written_with_digits_takes_its_place_and_no_class_is_left_blank(ledger, paid):
    # 周敏, 4年级 with no class written, comes between 三年级 and 六年级; her class cell is empty.
    sid = ledger.put({"type": "student", "schema_version": 1, "name": "周敏", "sex": "女", "school": paid["shahe"],
                      "stage": "小学", "grade": "4年级", "events": [{"date": "2025-09-01", "event": "认定"}]}).id
    ledger.put({"type": "aid", "schema_version": 1, "student": sid, "programme": BOARD, "term": TERM,
                "amount_fen": 62500, "paid_on": "2026-03-02", "source": "中央", "method": "银行卡"})
    notice = build_notice(ledger, TERM, mask_names=False, start="2026-03-02", school=paid["shahe"])
    assert [(r.name, r.grade, r.class_name) for r in notice.rows] == [
        ("李娜", "二年级", "2班"), ("张小伟", "三年级", "1班"), ("张小伟", "三年级", "1班"), ("周敏", "4年级", ""),
        ("赵强", "六年级", "2班"), ("王芳", "初一", "1班")]


def _recognised(ledger) -> dict:
    """Three students of 某县第一中学 reviewed for 2026-2027 and the notice listing them."""
    from store.core.ids import new_id
    from store.ledger.ledger import NEW, Change

    def rec(rtype, **fields):
        return {"id": new_id(rtype), "type": rtype, "schema_version": 2, **fields}

    school = rec("school", name="某县第一中学", short_name="某县一中", stage="初中", county="某县", area="乡村")
    made = [school]
    listed = []
    for name, grade, class_name, level in (("王小红", "八年级", "2班", "困难"), ("李小兰", "七年级", "1班", "特别困难"),
                                           ("张小梅", "八年级", "1班", "一般困难")):
        s = rec("student", name=name, sex="女", school=school["id"], stage="初中", grade=grade, class_name=class_name,
                school_year="2026-2027")
        r = rec("recognition", student=s["id"], school_year="2026-2027", school=school["id"],
                application={"date": "2026-09-02", "applicant": "家长", "pledge_signed": True},
                review={"date": "2026-09-08", "members": ["班主任"], "result": "通过", "level": level},
                check={"date": "2026-09-10", "by": "资助专干"})
        made += [s, r]
        listed.append(r["id"])
    ledger.commit([Change(r["id"], r, NEW) for r in made], action="import", message="t")
    return {"school": school["id"], "school_year": "2026-2027", "where": "校务公开栏", "start": "2026-09-14",
            "end": "2026-09-18", "recognitions": listed}


def test_the_recognition_notice_whole_by_grade_then_class(ledger):
    from store.privacy.notice import build_recognition_notice, recognition_notice_bytes

    notice = build_recognition_notice(ledger, _recognised(ledger))
    # 七年级 before 八年级; within 八年级, 1班 before 2班. Names masked, nothing but name, school,
    # grade, class and the level the review proposed.
    assert recognition_notice_bytes(notice, "md").decode("utf-8") == (
        "# 某县第一中学 2026-2027 学年家庭经济困难学生认定公示\n"
        "\n"
        "公示期：2026-09-14 至 2026-09-18　公示地点：校务公开栏\n"
        "\n"
        "| 序号 | 姓名 | 学校 | 年级 | 班级 | 资助档次 |\n"
        "|---|---|---|---|---|---|\n"
        "| 1 | 李\\*\\* | 某县第一中学 | 七年级 | 1班 | 特别困难 |\n"
        "| 2 | 张\\*\\* | 某县第一中学 | 八年级 | 1班 | 一般困难 |\n"
        "| 3 | 王\\*\\* | 某县第一中学 | 八年级 | 2班 | 困难 |\n"
        "\n"
        "如对公示内容有异议，请在公示期内向学校学生资助工作负责人反映。\n")
    assert recognition_notice_bytes(notice, "csv").decode("utf-8") == (
        "\ufeff"
        "某县第一中学 2026-2027 学年家庭经济困难学生认定公示\r\n"
        "公示期：2026-09-14 至 2026-09-18　公示地点：校务公开栏\r\n"
        "\r\n"
        "序号,姓名,学校,年级,班级,资助档次\r\n"
        "1,李**,某县第一中学,七年级,1班,特别困难\r\n"
        "2,张**,某县第一中学,八年级,1班,一般困难\r\n"
        "3,王**,某县第一中学,八年级,2班,困难\r\n"
        "\r\n"
        "如对公示内容有异议，请在公示期内向学校学生资助工作负责人反映。\r\n")
    with pytest.raises(UsageError) as caught:
        recognition_notice_bytes(notice, "xlsx")
    assert caught.value.key == "privacy.notice.bad_format"
    unmasked = build_recognition_notice(ledger, _recognised(ledger), mask_names=False)
    assert [r.name for r in unmasked.rows] == ["李小兰", "张小梅", "王小红"]


CSV_BATCH = (
    "\ufeff"
    "沙河镇第二中心小学2025-2026 学年第二学期学生资助公示\r\n"
    "公示期：2026-03-07 至 2026-03-13（5 个工作日）\r\n"
    "\r\n"
    "序号,姓名,学校,年级,班级,资助项目,资助档次,金额（元）\r\n"
    "1,李*,沙河镇第二中心小学,二年级,2班,义务教育寄宿生生活补助,,625.00\r\n"
    "2,张**,沙河镇第二中心小学,三年级,1班,义务教育寄宿生生活补助,一档,500.00\r\n"
    "3,王*,沙河镇第二中心小学,初一,1班,义务教育寄宿生生活补助,,1250.00\r\n"
    "合计（3 笔）,,,,,,,2375.00\r\n"
    "\r\n"
    "如对公示内容有异议，请在公示期内向学校学生资助工作负责人反映。\r\n"
)


def test_a_batchs_notice_lists_its_entries_as_reviewed(ledger, paid, tmp_path):
    # A batch's list before payment: its entries (not the term's payments), in school order, the
    # level from the entry's standard, the programme from the batch. From a Saturday, five working
    # days end on Friday the 13th.
    from store.privacy.notice import build_batch_notice

    who = {s["name"]: s["id"] for s in ledger.find("student")}
    level = ledger.put({"type": "standard", "schema_version": 1, "programme": BOARD, "stage": "小学",
                        "level": "一档", "amount_fen": 50000, "unit": "学期", "region": "全国",
                        "valid_from": "2025-09-01"}).id
    batch = {"term": TERM, "school": paid["shahe"], "programme": BOARD, "entries": [
        {"student": who["王芳"], "amount_fen": 125000},
        {"student": who["张小伟"], "amount_fen": 50000, "standard": level},
        {"student": who["李娜"], "amount_fen": 62500}]}
    notice = build_batch_notice(ledger, batch, start="2026-03-07", days=5)
    assert (notice.term, notice.start, notice.end, notice.days) == (
        TERM, dt.date(2026, 3, 7), dt.date(2026, 3, 13), 5)
    assert notice.total_fen == 237500
    write_notice(notice, tmp_path / "批次公示.csv")
    assert (tmp_path / "批次公示.csv").read_bytes().decode("utf-8") == CSV_BATCH
    names = build_batch_notice(ledger, batch, mask_names=False, start="2026-03-07")
    assert [(r.name, r.programme) for r in names.rows] == [("李娜", BOARD), ("张小伟", BOARD), ("王芳", BOARD)]
    assert build_batch_notice(ledger, {**batch, "school": None}, start="2026-03-07").school is None
    with pytest.raises(UsageError) as caught:
        build_batch_notice(ledger, batch, start="2026-03-07", days=0)
    assert caught.value.key == "privacy.notice.bad_days"
    assert str(caught.value) == "公示期至少 1 个工作日，而不是 0"


def test_a_format_refused_names_those_there_are(ledger, paid):
    with pytest.raises(UsageError) as caught:
        write_notice(build_notice(ledger, TERM, start="2026-03-02"), "-", "pdf")
    assert str(caught.value) == "格式 pdf 不支持：可用 csv, md, xlsx"


def test_a_review_without_a_level_is_listed_with_the_level_blank(ledger):
    # A review that did not pass proposes no difficulty level: listed on a notice, the level is
    # blank, not "None".
    from store.privacy.notice import build_recognition_notice

    notice = _recognised(ledger)
    r = ledger.get(notice["recognitions"][0])
    del r["review"]["level"]
    r["review"]["result"] = "不通过"
    ledger.put(r, base=ledger.version(r["id"]))
    rows = build_recognition_notice(ledger, notice, mask_names=False).rows
    assert [(row.name, row.level) for row in rows] == [("李小兰", "特别困难"), ("张小梅", "一般困难"), ("王小红", "")]


@pytest.fixture
def english():
    from store.core import i18n
    i18n.set_lang("en")
    yield
    i18n.set_lang("zh")


def test_the_english_notice_reads_programmes_and_levels_in_english(ledger, paid, tmp_path, english):
    """English mode wrote '义务教育寄宿生生活补助' and '特别困难' under English headings: the values the
    catalogue translates are read in English; names and schools stay as written."""
    import csv

    write_notice(build_notice(ledger, TERM, start="2026-03-06", days=5, school=paid["shahe"]), tmp_path / "n.csv")
    rows = list(csv.reader((tmp_path / "n.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[3] == ["No.", "Name", "School", "Grade", "Class", "Programme", "Level", "Amount (yuan)"]
    assert rows[5] == ["2", "张**", "沙河镇第二中心小学", "三年级", "1班", "boarding living allowance", "severe", "625.00"]
    assert rows[6][5:7] == ["nutrition improvement", "severe"]
    assert rows[4][5:7] == ["boarding living allowance", ""]


def test_the_english_recognition_notice_reads_levels_in_english(ledger, english):
    from store.privacy.notice import build_recognition_notice, recognition_notice_bytes

    text = recognition_notice_bytes(build_recognition_notice(ledger, _recognised(ledger)), "md").decode("utf-8")
    assert "| 1 | 李\\*\\* | 某县第一中学 | 七年级 | 1班 | severe |" in text
    assert "| 2 | 张\\*\\* | 某县第一中学 | 八年级 | 1班 | mild |" in text and "困难 |" not in text
