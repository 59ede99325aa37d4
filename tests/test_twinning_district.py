"""The seed district entered in the demo (叶集区, from the 学校精准帮扶工作总结 in the seeds): 19
schools carrying twinning tasks, 四年三批轮岗支教 107 人次, 29万余元 of cash and 17万余元 of goods
given over four years. Its county report and summary draft read the seed's figures."""
from __future__ import annotations

import datetime as dt

from store.figures import period as P
from store.io import summary

YEJI = "unit-01M7W4VN1T0000000000000004"
DISTRICT_PLAN = "plan-01M7W4YJQD0000000000000001"


def test_the_district_reads_the_seed_figures(demo):
    f = P.figures(demo, P.period_of(years="2022-2023..2025-2026"), "county", YEJI, dt.date(2026, 12, 5))
    # the district plan's 19 supporting schools (实验学校 and 城关中学 among them: their own plans add none)
    assert len(f.supporting) == 19
    assert len(demo.get(DISTRICT_PLAN)["parties"]) == 27        # and 8 rural schools they help
    # 第一批 36 (two school years from 2022-08-29), 第二批 35, 第三批 21 of the district plan
    # + the 15 实验学校 sent to 平岗中学 under its own plan (钱海涛 and the 14 sent on one day) = 36;
    # five teachers of the first batch went again with the third: 107 人次, 102 people.
    assert [(b.batch, b.people, b.times, b.total_people, b.total_times) for b in f.batches] == [
        ("第一批", 36, 36, 36, 36), ("第二批", 35, 35, 71, 71), ("第三批", 36, 36, 102, 107)]
    assert (f.seconded_people, f.seconded_times) == (102, 107)
    assert not [s for s in f.secondments if s.short]
    # 韦志刚's 支教 from 2026-08-28 has no school day before 2026-09-01: not one of the four years'
    assert "visit-01M7W3CFWN39129ABKZ57X74SK" not in {s.visit for s in f.secondments}
    # cash 50 + 30 + 40 + 35 + 45 + 38 + 25 + 18 = 281 thousand in the district plan + 10 thousand from
    # 实验学校's staff to 段岗小学 = 291,000 元; goods 60 + 30 + 10 + 15 + 10 + 20 + 6 + 9.9 = 160.9 thousand
    # + 10,600 (实验学校's sports goods and books to 段岗小学) = 171,500 元
    assert (f.cash_fen, f.goods_fen) == (29100000, 17150000)
    # a first-batch teacher served two whole school years; one who went again, three
    served = {s.name: s.years for s in f.service}
    assert len(served) == 102
    again = [years for years in served.values() if len(years) == 3]
    assert again == [("2022-2023", "2023-2024", "2025-2026")] * 5
    text = summary.draft(f)
    assert "全县（区）有 19 所学校担负结对帮扶任务，结对帮扶 8 所受援学校" in text
    assert "分 3 批选派教师支教、挂职，累计 102 人、107 人次。" in text
    assert "捐赠资金 291,000.00 元，物资折价 171,500.00 元，合计 462,500.00 元。" in text
