"""``import_delius DIR``: every bad row reported with file, line and reason; the good ones
loaded; the same extract twice changes nothing."""

import csv
import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeguard.core.models import AccessLogEntry
from safeguard.integration.importer import COLUMNS, import_extract
from safeguard.integration.models import ImportRun
from safeguard.people.models import CustodyStatus, Person
from safeguard.registrations.models import EndReason, Registration, RegistrationStatus

pytestmark = pytest.mark.django_db


def write(directory, name, rows, header=None):
    with (directory / name).open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(header or COLUMNS[name])
        out.writerows(rows)


def case(crn, forename="Robin", in_custody="N", release=""):
    return [crn, forename, "Synthetic", "1988-04-02", "F", "W1", in_custody, release]


def allocation(crn, team="N07DEM", staff="N07DEMP", on="2026-11-01"):
    return [crn, team, staff, on]


def reg(reg_id, crn, code="ALSH", active="Y", end=""):
    review = "2027-01-01" if active == "Y" else ""
    return [reg_id, crn, code, "2026-10-01", review, "Synthetic note", active, end]


@pytest.fixture
def extract(tmp_path, demo_codes):
    write(
        tmp_path,
        "cases.csv",
        [case("X200001"), case("X200002", in_custody="Y", release="2027-02-01")],
    )
    write(tmp_path, "allocations.csv", [allocation("X200001"), allocation("X200002", staff="")])
    write(
        tmp_path,
        "registrations.csv",
        [
            reg("3500000001", "X200001"),
            reg("3500000002", "X200001", "RVLN"),
            reg("3500000003", "X200002"),
        ],
    )
    return tmp_path


def test_an_extract_loads_people_allocations_and_registrations(extract, demo_codes):
    report = import_extract(extract)
    assert (report.cases_created, report.registrations_created, report.bad_rows) == (2, 3, [])
    first = Person.objects.get(crn="X200001")
    assert first.practitioner == demo_codes["staff"]["practitioner"]
    assert first.team == demo_codes["team"] and first.supervision_start == dt.date(2026, 11, 1)
    assert first.allocations.get().started_on == dt.date(2026, 11, 1)
    second = Person.objects.get(crn="X200002")
    assert second.practitioner is None and second.custody_status == CustodyStatus.IN_CUSTODY
    assert second.expected_release_date == dt.date(2027, 2, 1)
    assert set(first.registrations.values_list("delius_id", flat=True)) == {
        "3500000001",
        "3500000002",
    }
    # An unallocated case's registration is owned by the integration's account.
    assert Registration.objects.get(delius_id="3500000003").owner.username == "ndelius.integration"
    entry = AccessLogEntry.objects.get(event="integration.bulk_loaded")
    assert entry.channel == "delius" and entry.person is None
    assert ImportRun.objects.get().cases == 2


def test_the_same_extract_twice_changes_nothing(extract):
    import_extract(extract)
    versions = sorted(Person.objects.values_list("crn", "version"))
    reg_versions = sorted(Registration.objects.values_list("delius_id", "version"))
    again = import_extract(extract)
    assert (
        again.cases_created,
        again.cases_updated,
        again.allocations_changed,
        again.registrations_created,
        again.registrations_updated,
        again.registrations_removed,
    ) == (0, 0, 0, 0, 0, 0)
    assert sorted(Person.objects.values_list("crn", "version")) == versions
    assert sorted(Registration.objects.values_list("delius_id", "version")) == reg_versions


def test_a_later_extract_updates_moves_deregisters_and_ends_what_it_no_longer_lists(
    extract, demo_codes
):
    import_extract(extract)
    write(extract, "cases.csv", [case("X200001", forename="Robyn"), case("X200002")])
    write(
        extract,
        "allocations.csv",
        [allocation("X200001", staff="N07COLL", on="2026-12-01"), allocation("X200002", staff="")],
    )
    write(
        extract,
        "registrations.csv",
        [reg("3500000001", "X200001", active="N", end="2026-11-30"), reg("3500000003", "X200002")],
    )
    report = import_extract(extract)
    assert (report.cases_updated, report.allocations_changed) == (2, 1)
    assert (report.registrations_updated, report.registrations_removed) == (1, 1)
    first = Person.objects.get(crn="X200001")
    assert first.first_name == "Robyn" and first.practitioner == demo_codes["staff"]["colleague"]
    assert first.allocations.count() == 2
    assert first.allocations.get(ended_on__isnull=True).started_on == dt.date(2026, 12, 1)
    ended = Registration.objects.get(delius_id="3500000001")
    assert (ended.status, ended.ended_on) == (RegistrationStatus.ENDED, dt.date(2026, 11, 30))
    gone = Registration.objects.get(delius_id="3500000002")
    assert gone.end_reason == EndReason.ENTERED_IN_ERROR
    second = Person.objects.get(crn="X200002")
    assert second.custody_status == CustodyStatus.IN_COMMUNITY and second.last_released_on


def test_every_bad_row_is_reported_with_file_line_and_reason(tmp_path, demo_codes):
    write(
        tmp_path,
        "cases.csv",
        [
            case("X300001"),  # line 2: good
            case("nonsense"),  # 3
            ["X300003", "Robin", "Synthetic", "1988-02-30", "F", "W1", "N", ""],  # 4: no such date
            case("X300001"),  # 5: the same CRN again
            ["X300005", "too", "few"],  # 6
            case("X300006"),  # 7: no allocation
            ["X300007", "Robin", "Synthetic", "1988-04-02", "Q", "W1", "N", ""],  # 8: sex
        ],
    )
    write(
        tmp_path,
        "allocations.csv",
        [
            allocation("X300001"),  # 2: good
            allocation("X300003"),  # 3: its case is bad
            allocation("X300008", team="NOPE"),  # 4: unknown team
            allocation("X300009", staff="NOBODY"),  # 5: unknown staff
            allocation("X300001"),  # 6: the same case again
        ],
    )
    write(
        tmp_path,
        "registrations.csv",
        [
            reg("3600000001", "X300001"),  # 2: good
            reg("3600000002", "X300001", code="ZZZZ"),  # 3: not a register type
            reg("3600000003", "X300404"),  # 4: no such case
            reg("3600000001", "X300001"),  # 5: the same id again
            reg("3600000005", "X300001", active="N"),  # 6: ended without an end date
        ],
    )
    lines = []
    report = import_extract(tmp_path, on_bad_row=lambda row: lines.append(str(row)))
    found = {(b.file, b.line) for b in report.bad_rows}
    assert found == {
        ("cases.csv", 3),
        ("cases.csv", 4),
        ("cases.csv", 5),
        ("cases.csv", 6),
        ("cases.csv", 7),
        ("cases.csv", 8),
        ("allocations.csv", 3),
        ("allocations.csv", 4),
        ("allocations.csv", 5),
        ("allocations.csv", 6),
        ("registrations.csv", 3),
        ("registrations.csv", 4),
        ("registrations.csv", 5),
        ("registrations.csv", 6),
    }
    reasons = {(b.file, b.line): b.reason for b in report.bad_rows}
    assert "CRN" in reasons[("cases.csv", 3)]
    assert "date" in reasons[("cases.csv", 4)]
    assert "line 2" in reasons[("cases.csv", 5)]
    assert "fields" in reasons[("cases.csv", 6)]
    assert "allocations.csv" in reasons[("cases.csv", 7)]
    assert "team_code" in reasons[("allocations.csv", 4)]
    assert "staff_code" in reasons[("allocations.csv", 5)]
    assert "register type" in reasons[("registrations.csv", 3)]
    assert "end_date" in reasons[("registrations.csv", 6)]
    assert lines and all(
        line.startswith(("cases.csv line", "allocations.csv line", "registrations.csv line"))
        for line in lines
    )
    # The reasons never repeat the row's values.
    assert not any("Robin" in line or "X3000" in line for line in lines)
    assert list(Person.objects.filter(crn__startswith="X3").values_list("crn", flat=True)) == [
        "X300001"
    ]
    assert Registration.objects.filter(delius_id__startswith="36").count() == 1


def test_the_command_reports_and_refuses_an_unreadable_extract(tmp_path, demo_codes, capsys):
    with pytest.raises(CommandError, match="cases.csv"):
        call_command("import_delius", str(tmp_path))
    write(tmp_path, "cases.csv", [case("X200001")], header=["crn", "forename"])
    write(tmp_path, "allocations.csv", [allocation("X200001")])
    with pytest.raises(CommandError, match="no column"):
        call_command("import_delius", str(tmp_path))


def test_the_command_loads_and_prints_bad_rows(extract, capsys):
    write(extract, "allocations.csv", [allocation("X200001"), allocation("X200002", team="NOPE")])
    call_command("import_delius", str(extract), "--no-scan")
    captured = capsys.readouterr()
    assert "allocations.csv line 3" in captured.err
    assert "1 created" in captured.out


def test_the_load_is_set_based(tmp_path, demo_codes, django_assert_max_num_queries):
    crns = [f"X4{n:05d}" for n in range(120)]
    write(tmp_path, "cases.csv", [case(c) for c in crns])
    write(tmp_path, "allocations.csv", [allocation(c) for c in crns])
    write(tmp_path, "registrations.csv", [reg(f"37{n:08d}", c) for n, c in enumerate(crns)])
    with django_assert_max_num_queries(40):
        report = import_extract(tmp_path)
    assert report.cases_created == 120 and report.registrations_created == 120
