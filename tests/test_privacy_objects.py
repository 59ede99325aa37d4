"""No identifier in clear anywhere in git: every object of the ledger's git database (and every
other file under its git folder: reflogs, index cache, config) is searched after adding, editing,
importing, rejected input, rotating and erasing students, and in the demo ledger."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import run, school
from store.demo import generate
from store.privacy import protect

# Invented identifiers, each in the form typed and the form normalised.
ID_NUMBERS = ["11010519491231002X", "340521201205050027", "622423201303030034",
              generate.invented_id_number("bangfu-test-1", 2014, county="金寨县", sex="男"),
              generate.invented_id_number("bangfu-test-2", 2012, sex="女")]
PHONES = ["13812345678", "139 8765 4321", "+86 137-0000-1111", "15900002222"]
ADDRESSES = ["安徽省金寨县沙河乡红旗村3组12号", "宁夏回族自治区海原县史店乡田拐村七队", "连云港市赣榆区石桥镇东街88号"]
CARD = "6222021234567890128"
STUDENT_NO = "G340521201205050027"


def forbidden() -> list[bytes]:
    values = ID_NUMBERS + [i.lower() for i in ID_NUMBERS] + PHONES + ADDRESSES + [CARD, STUDENT_NO]
    values += [protect.normalise("phone", p) for p in PHONES]
    values += [a[6:] for a in ADDRESSES]  # the part the mask hides
    return [v.encode() for v in values]


def git_database(repo: Path) -> bytes:
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo,
                             capture_output=True, check=True).stdout
    files = b"".join(p.read_bytes() for p in sorted(repo.rglob("*")) if p.is_file() and "objects" not in p.parts)
    return objects + files


def assert_no_clear(repo: Path, extra: list[str] = ()) -> bytes:
    everything = git_database(repo)
    for value in forbidden() + [e.encode() for e in extra]:
        assert value not in everything, f"{value.decode()[:4]}… found in clear in {repo}"
    return everything


def student(school_id: str, name: str, **identity: str) -> dict:
    return {"type": "student", "schema_version": 1, "name": name, "sex": "男", "school": school_id,
            "stage": "小学", "grade": "四年级", "class_name": "3班",
            "events": [{"date": "2025-09-01", "event": "认定"}], "identity": identity}


def test_no_clear_identifier_in_any_object_through_a_students_life(ledger, capsys, tmp_path):
    path = str(ledger.path)
    sch = ledger.put(school()).id
    f = tmp_path / "one.json"
    f.write_text(json.dumps(student(sch, "张小伟", id_number=ID_NUMBERS[0], phone=PHONES[0], address=ADDRESSES[0],
                                    bank_card=CARD, student_no=STUDENT_NO, guardian_phone=PHONES[1]),
                            ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "-L", path, "add", "student", str(f))
    assert code == 0, err
    first = out.strip()

    # Edits: the CLI (a phone typed as a number), and the store as the dashboard calls it.
    assert run(capsys, "-L", path, "set", first, f"identity.phone={PHONES[3]}")[0] == 0
    record = ledger.get(first)
    record["identity"]["address"] = ADDRESSES[1]
    ledger.put(record, base=ledger.version(first))

    # An import of several students, one of them typed with a phone in the international form.
    batch = [student(sch, "李小红", id_number=ID_NUMBERS[1], phone=PHONES[2]),
             student(sch, "王小明", id_number=ID_NUMBERS[3], address=ADDRESSES[2]),
             student(sch, "赵小兰", id_number=ID_NUMBERS[4])]
    f.write_text(json.dumps(batch, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "-L", path, "add", "student", str(f))
    assert code == 0, err
    imported = out.split()

    # Rejected input leaves nothing behind, and its messages do not repeat the values.
    rejected = [student(sch, "重复", id_number=ID_NUMBERS[1]), student(sch, "错号", id_number="340524198001010013")]
    for item in rejected:
        f.write_text(json.dumps(item, ensure_ascii=False), encoding="utf-8")
        code, out, err = run(capsys, "-L", path, "add", "student", str(f))
        assert code == 1 and ID_NUMBERS[1] not in err and "340524198001010013" not in err
    code, out, err = run(capsys, "-L", path, "set", imported[2], "identity.bank_card=[6222021234567890128]")
    assert code == 1 and CARD not in err

    everything = assert_no_clear(ledger.path, ["340524198001010013"])
    assert b"1101**********002X" in everything and b"138****5678" in everything  # the search does see records

    assert run(capsys, "-L", path, "key", "rotate", "--reason", "定期轮换")[0] == 0
    assert run(capsys, "-L", path, "erase", imported[0], "--reason", "转学，家长申请删除")[0] == 0
    assert_no_clear(ledger.path, ["340524198001010013"])
    code, out, err = run(capsys, "-L", path, "reveal", first, "address", "--reason", "家访")
    assert code == 0 and out.strip() == ADDRESSES[1]
    code, out, err = run(capsys, "-L", path, "key", "scan")
    assert code == 0 and "没有发现" in out


def test_demo_ledger_holds_no_identifier_in_clear(demo):
    students = list(demo.records("student"))
    clear = generate.demo_identities(students)
    assert len(clear) == len(students) > 20
    schemas = demo.schemas()
    sample = students[0]
    assert protect.reveal(sample, ("identity", "id_number"), schemas, demo.keys) == clear[sample["id"]]["id_number"]
    everything = git_database(demo.path)
    for values in clear.values():
        assert values["id_number"].encode() not in everything
