"""The import framework end to end, through its pages and its command, with the "regions" kind."""

from __future__ import annotations

import gc
import hashlib
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from canlian.accounts.choices import Role
from canlian.audit.models import AuditEvent
from canlian.common.choices import ImportStatus, JobStatus
from canlian.common.imports import error_workbook_path, get_kind, no_cyclic_gc, upload_path
from canlian.common.models import ImportRun
from canlian.common.tabular import Sheet, write_workbook
from canlian.regions.models import Region

HEADERS = ("区划代码", "名称", "上级区划代码")


def xlsx(*rows: tuple, headers: tuple = HEADERS) -> bytes:
    return write_workbook([Sheet(name="区划", headers=headers, rows=rows, text_columns=(0, 2))])


def upload(client, data: bytes, name: str = "区划.xlsx"):
    return client.post(reverse("imports:upload", args=["regions"]), {"file": SimpleUploadedFile(name, data)})


def latest_run() -> ImportRun:
    return ImportRun.objects.order_by("-pk").first()


def read_sheet(content: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


GOOD = (
    ("340302901003", "甲三社区", "340302901"),  # new
    ("340302901001", "甲一社区（新名）", "340302901"),  # renamed
    ("340302901002", "甲二社区", "340302901"),  # unchanged
    ("340302903", "丙街道", "340302"),  # new street
    ("340302903001", "丙一社区", "340302903"),  # new community under the new street
)


@pytest.fixture
def officer(users):
    return users.a[Role.DISTRICT_OFFICER]


def test_template_has_chinese_headers_an_example_row_and_text_code_columns(officer, client_for):
    response = client_for(officer).get(reverse("imports:template", args=["regions"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = read_sheet(response.content)
    assert rows[0] == list(HEADERS)
    assert rows[1] == ["340302001901", "示例社区", "340302001"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    styles = archive.read("xl/styles.xml").decode()
    text_formats = {"49", *re.findall(r'<numFmt numFmtId="(\d+)" formatCode="@"/>', styles)}
    text_style = [i for i, xf in enumerate(re.findall(r"<xf [^>]*>", styles.split("<cellXfs")[1]))
                  if re.search(r'numFmtId="(\d+)"', xf).group(1) in text_formats]
    assert text_style, "no text (@) cell format in the template"
    columns = dict(re.findall(r'<col min="(\d+)"[^>]*style="(\d+)"', sheet))
    assert int(columns["1"]) in text_style and int(columns["3"]) in text_style
    assert "2" not in columns or int(columns["2"]) not in text_style


def test_template_and_upload_need_the_kinds_permission(users, client_for):
    street = client_for(users.a[Role.STREET_OFFICER])
    assert street.get(reverse("imports:template", args=["regions"])).status_code == 403
    assert street.get(reverse("imports:upload", args=["regions"])).status_code == 403
    assert client_for(users.a[Role.AUDITOR]).get(reverse("imports:index")).status_code == 403
    assert street.get(reverse("imports:upload", args=["nosuchkind"])).status_code == 404


def test_index_lists_the_kinds_the_user_may_use_and_past_imports(users, officer, client_for):
    html = client_for(officer).get(reverse("imports:index")).content.decode()
    assert reverse("imports:template", args=["regions"]) in html
    assert reverse("imports:upload", args=["regions"]) in html
    street_html = client_for(users.a[Role.STREET_OFFICER]).get(reverse("imports:index")).content.decode()
    assert reverse("imports:upload", args=["regions"]) not in street_html
    assert reverse("imports:upload", args=["persons"]) in street_html  # the registry's kinds, not regions
    assert reverse("imports:upload", args=["enrolments"]) in street_html  # the 在享名单 import (issue #4)
    # in the order a federation loads its data: areas, persons, households, bank accounts, then the update lists
    order = ["regions", "persons", "households", "bank-accounts", "deaths", "low-income", "moves", "enrolments"]
    positions = [html.index(reverse("imports:upload", args=[name])) for name in order]
    assert positions == sorted(positions)
    upload(client_for(officer), xlsx(*GOOD))
    html = client_for(officer).get(reverse("imports:index")).content.decode()
    assert "区划.xlsx" in html and reverse("imports:run", args=[latest_run().pk]) in html
    assert "区划.xlsx" not in client_for(users.a[Role.ADMIN]).get(reverse("imports:index")).content.decode()


def test_upload_shows_a_preview_and_writes_nothing(areas, officer, client_for, settings):
    client = client_for(officer)
    data = xlsx(*GOOD)  # once: the workbook records its creation time, so two builds can differ
    response = upload(client, data)
    run = latest_run()
    assert response.status_code == 302 and response["Location"] == reverse("imports:run", args=[run.pk])
    assert run.status == ImportStatus.VALIDATED
    assert (run.rows, run.new, run.changed, run.unchanged, run.error_rows) == (5, 3, 1, 1, 0)
    stored = upload_path(run)
    assert stored.is_file() and stored.is_relative_to(settings.MEDIA_ROOT / "imports")
    assert run.file_sha256 == hashlib.sha256(data).hexdigest()
    assert not Region.objects.filter(code="340302901003").exists()
    html = client.get(response["Location"]).content.decode()
    assert "名称：<del>甲一社区</del> → <ins>甲一社区（新名）</ins>" in html
    assert "甲三社区" in html and "丙一社区" in html
    assert "确认导入" in html and "只导入无误的行" not in html


def test_confirm_writes_everything_and_audits_once(areas, officer, client_for, django_capture_on_commit_callbacks):
    client = client_for(officer)
    data = xlsx(*GOOD)
    upload(client, data)
    run = latest_run()
    stored = upload_path(run)
    before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:confirm", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportStatus.APPLIED
    assert run.message == "新增 3 条，修改 1 条，未变 1 条"
    assert Region.objects.get(code="340302901003").parent == areas.street_a
    assert Region.objects.get(code="340302903001").parent.code == "340302903"
    assert Region.objects.get(code="340302901001").name == "甲一社区（新名）"
    events = AuditEvent.objects.order_by("pk")[before:]
    assert [e.action for e in events] == ["import.regions"]  # one event, not one per row
    assert events[0].after == {
        "kind": "regions", "file": "区划.xlsx", "sha256": hashlib.sha256(data).hexdigest(), "valid_only": False,
        "rows": 5, "new": 3, "changed": 1, "unchanged": 1, "error_rows": 0, "error_count": 0,
    }
    assert events[0].object_id == str(run.pk)
    assert not stored.exists()  # the upload is not kept once imported
    html = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "导入完成" in html and reverse("regions:list") in html


def test_the_same_file_twice_changes_nothing_the_second_time(areas, officer, client_for):
    client = client_for(officer)
    upload(client, xlsx(*GOOD))
    client.post(reverse("imports:confirm", args=[latest_run().pk]))
    snapshot = list(Region.objects.order_by("code").values_list("code", "name", "parent_id", "updated_at"))
    upload(client, xlsx(*GOOD))
    second = latest_run()
    assert (second.new, second.changed, second.unchanged) == (0, 0, 5)
    client.post(reverse("imports:confirm", args=[second.pk]))
    second.refresh_from_db()
    assert second.status == ImportStatus.APPLIED and second.message == "新增 0 条，修改 0 条，未变 5 条"
    assert list(Region.objects.order_by("code").values_list("code", "name", "parent_id", "updated_at")) == snapshot


BAD = (
    ("340302901004", "甲四社区", "340302901"),
    ("340302901005", "甲五社区", "340302902"),  # row 3: the parent code does not match the code
    ("340302901006", "", "340302901"),  # row 4: no name
)


def test_errors_are_listed_and_refuse_the_whole_file(areas, officer, client_for):
    client = client_for(officer)
    upload(client, xlsx(*BAD))
    run = latest_run()
    assert (run.new, run.error_rows, run.error_count) == (1, 2, 2)
    html = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert '<td class="num">3</td><td>上级区划代码</td><td class="mono">340302902</td>' in html
    assert "上级区划代码应为区划代码的前 9 位 340302901" in html
    assert '<td class="num">4</td><td>名称</td>' in html and "名称为空" in html
    assert "只导入无误的行" in html
    response = client.post(reverse("imports:confirm", args=[run.pk]), follow=True)
    assert "文件中有 2 行有误" in response.content.decode()
    run.refresh_from_db()
    assert run.status == ImportStatus.VALIDATED
    assert not Region.objects.filter(code="340302901004").exists()  # atomic: nothing at all


def test_error_workbook_lists_every_error(areas, officer, client_for):
    client = client_for(officer)
    upload(client, xlsx(*BAD))
    response = client.get(reverse("imports:errors", args=[latest_run().pk]))
    assert response.status_code == 200
    rows = read_sheet(response.content)
    assert rows[0] == ["行号", "列", "内容", "原因"]
    assert rows[1][:3] == [3.0, "上级区划代码", "340302902"]
    assert rows[2][:2] == [4.0, "名称"] and rows[2][3] == "名称为空"


def test_valid_only_writes_the_valid_rows(areas, officer, client_for):
    client = client_for(officer)
    upload(client, xlsx(*BAD))
    run = latest_run()
    client.post(reverse("imports:confirm", args=[run.pk]), {"valid_only": "on"})
    run.refresh_from_db()
    assert run.status == ImportStatus.APPLIED and run.valid_only
    assert run.message == "新增 1 条，修改 0 条，未变 0 条；跳过有误的 2 行"
    assert Region.objects.filter(code="340302901004").exists()
    assert not Region.objects.filter(code__in=["340302901005", "340302901006"]).exists()
    event = AuditEvent.objects.get(action="import.regions")
    assert event.after["valid_only"] is True and event.after["error_rows"] == 2
    assert client.get(reverse("imports:errors", args=[run.pk])).status_code == 200  # still there to fix the rest


def test_rows_outside_the_users_area_are_errors(areas, officer, client_for):
    client = client_for(officer)
    upload(client, xlsx(("340303001", "蚌山区的街道", "340303"), ("340302904", "丁街道", "340302")))
    run = latest_run()
    assert (run.new, run.error_rows) == (1, 1)
    assert run.preview["errors"][0][:2] == [2, "区划代码"]
    assert "不在您负责的区域" in run.preview["errors"][0][3]


def test_the_template_example_row_is_never_imported(areas, officer, client_for):
    client = client_for(officer)
    example = get_kind("regions").template()
    upload(client, example)
    run = latest_run()
    assert run.error_rows == 1 and "示例行" in run.preview["errors"][0][3]


def test_an_unreadable_file_fails_the_run_with_the_reason(officer, client_for):
    client = client_for(officer)
    upload(client, b"PK\x03\x04 this is not a workbook", "坏文件.xlsx")
    run = latest_run()
    assert run.status == ImportStatus.FAILED
    html = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "文件已损坏" in html


def test_wrong_file_type_is_refused_on_the_form(officer, client_for):
    response = upload(client_for(officer), b"hello", "区划.doc")
    assert response.status_code == 200
    assert "不支持的文件类型" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_missing_headers_fail_the_run(officer, client_for):
    upload(client_for(officer), xlsx(("340302901007", "甲七社区"), headers=("区划代码", "名称")))
    run = latest_run()
    assert run.status == ImportStatus.FAILED and "缺少必填列：上级区划代码" in run.message


def test_only_the_owner_confirms_and_others_do_not_see_the_run(users, areas, officer, client_for):
    upload(client_for(officer), xlsx(*GOOD))
    run = latest_run()
    url = reverse("imports:run", args=[run.pk])
    assert client_for(users.a[Role.STREET_OFFICER]).get(url).status_code == 404
    admin = client_for(users.a[Role.ADMIN])
    assert admin.get(url).status_code == 200
    response = admin.post(reverse("imports:confirm", args=[run.pk]), follow=True)
    assert "只能确认本人上传的导入" in response.content.decode()
    run.refresh_from_db()
    assert run.status == ImportStatus.VALIDATED
    assert client_for(users.a[Role.STREET_OFFICER]).get(reverse("imports:errors", args=[run.pk])).status_code == 404


def test_confirming_twice_is_refused(areas, officer, client_for):
    client = client_for(officer)
    upload(client, xlsx(*GOOD))
    run = latest_run()
    client.post(reverse("imports:confirm", args=[run.pk]))
    response = client.post(reverse("imports:confirm", args=[run.pk]), follow=True)
    assert "不能再确认" in response.content.decode()
    assert AuditEvent.objects.filter(action="import.regions").count() == 1


def test_confirm_needs_post(areas, officer, client_for):
    upload(client_for(officer), xlsx(*GOOD))
    assert client_for(officer).get(reverse("imports:confirm", args=[latest_run().pk])).status_code == 405


def test_discard_deletes_the_kept_files(areas, officer, client_for, django_capture_on_commit_callbacks):
    client = client_for(officer)
    upload(client, xlsx(*BAD))
    run = latest_run()
    files = [upload_path(run), error_workbook_path(run)]
    assert all(f.is_file() for f in files)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:discard", args=[run.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("imports:index")
    run.refresh_from_db()
    assert run.status == ImportStatus.DISCARDED
    assert not any(f.exists() for f in files)
    assert client.post(reverse("imports:confirm", args=[run.pk])).status_code == 302
    run.refresh_from_db()
    assert run.status == ImportStatus.DISCARDED


def test_changed_data_between_preview_and_confirm_is_caught(areas, officer, client_for):
    """The confirmation validates again: a parent deactivated meanwhile refuses the file, nothing written."""
    client = client_for(officer)
    upload(client, xlsx(("340302902002", "乙二社区", "340302902")))
    run = latest_run()
    Region.objects.filter(code="340302902").update(is_active=False)  # another officer, meanwhile
    client.post(reverse("imports:confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportStatus.VALIDATED
    assert "数据已变化" in run.message and run.error_rows == 1
    assert "已停用" in run.preview["errors"][0][3]
    assert not Region.objects.filter(code="340302902002").exists()
    assert AuditEvent.objects.get(action="import.regions").result == "failure"


def test_large_files_validate_and_apply_as_jobs_with_progress(
    areas, officer, client_for, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_MAX_KB = 0
    client = client_for(officer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(client, xlsx(*GOOD))
    run = latest_run()
    assert run.status == ImportStatus.VALIDATING and run.job.status == JobStatus.QUEUED
    busy = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "<progress" in busy and 'hx-trigger="every 1s"' in busy
    for callback in callbacks:
        callback()
    run.refresh_from_db()
    assert run.status == ImportStatus.VALIDATED and run.new == 3
    assert run.job.status == JobStatus.SUCCEEDED and run.job.done == run.job.total == 5
    assert run.job.result == {"next_url": reverse("imports:run", args=[run.pk])}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportStatus.APPLIED
    assert run.job.kind == "import.apply" and run.job.status == JobStatus.SUCCEEDED
    assert Region.objects.filter(code="340302903001").exists()
    partial = client.get(reverse("imports:run", args=[run.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in partial and "导入结果" in partial


def test_validation_is_set_based(areas, officer, django_assert_max_num_queries):
    from canlian.common.imports import validate_data
    from canlian.common.jobs import NullProgress

    rows = [(f"340302901{n:03d}", f"社区{n}", "340302901") for n in range(3, 903)]
    with django_assert_max_num_queries(3):
        validation = validate_data(get_kind("regions"), actor=officer, data=xlsx(*rows), file_name="x.xlsx",
                                   progress=NullProgress())
    assert validation.counts()["new"] == 900


def test_apply_is_set_based(areas, officer, django_assert_max_num_queries):
    from canlian.common.imports import import_file
    from canlian.common.jobs import NullProgress

    streets = [(f"340302{n:03d}", f"街道{n}", "340302") for n in range(100, 140)]
    communities = [(f"340302{n:03d}{m:03d}", f"社区{n}-{m}", f"340302{n:03d}") for n in range(100, 140)
                   for m in range(1, 26)]
    with django_assert_max_num_queries(26):  # 23 (a key probe per look-up), and on SQLite three PRAGMAs
        _run, validation = import_file(actor=officer, kind=get_kind("regions"), data=xlsx(*streets, *communities),
                                       file_name="x.xlsx", valid_only=False, dry_run=False, progress=NullProgress())
    assert validation.counts()["new"] == 1040
    assert Region.objects.filter(code__startswith="340302139", level="community").count() == 25


# --- the command ------------------------------------------------------------------------------------


def write(tmp_path, data: bytes, name: str = "区划.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_command_imports_and_reports(areas, officer, tmp_path, capsys):
    call_command("import", "regions", str(write(tmp_path, xlsx(*GOOD))), "--user", officer.username)
    out = capsys.readouterr().out
    assert "导入完成：新增 3 条，修改 1 条，未变 1 条，有误 0 行" in out
    assert Region.objects.filter(code="340302903001").exists()
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.APPLIED and run.owner == officer and run.file_path == ""
    assert AuditEvent.objects.get(action="import.regions").after["new"] == 3


def test_command_prints_errors_and_refuses(areas, officer, tmp_path, capsys):
    with pytest.raises(CommandError, match="文件中有 2 行有误"):
        call_command("import", "regions", str(write(tmp_path, xlsx(*BAD))), "--user", officer.username)
    err = capsys.readouterr().err
    assert "第3行 上级区划代码：上级区划代码应为区划代码的前 9 位 340302901" in err
    assert "第4行 名称：名称为空" in err
    assert not Region.objects.filter(code="340302901004").exists()
    event = AuditEvent.objects.get(action="import.regions")
    assert event.result == "failure" and event.after["error_rows"] == 2


def test_command_valid_only_and_dry_run(areas, officer, tmp_path, capsys):
    path = str(write(tmp_path, xlsx(*BAD)))
    call_command("import", "regions", path, "--user", officer.username, "--dry-run")
    assert "校验完成（未写入）：新增 1 条" in capsys.readouterr().out
    assert not Region.objects.filter(code="340302901004").exists()
    assert not AuditEvent.objects.filter(action="import.regions").exists()
    call_command("import", "regions", path, "--user", officer.username, "--valid-only")
    assert Region.objects.filter(code="340302901004").exists()


def test_command_defaults_to_an_administrator_and_knows_its_kinds(areas, users, tmp_path, capsys):
    call_command("import", "regions", str(write(tmp_path, xlsx(("340302905", "戊街道", "340302")))))
    assert f"以账号 {users.a[Role.ADMIN].username}" in capsys.readouterr().out
    with pytest.raises(CommandError, match=r"可用的类型：.*regions"):
        call_command("import", "nosuch", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import", "regions", str(tmp_path / "missing.xlsx"))


def test_command_refuses_a_user_without_the_permission(areas, users, tmp_path):
    with pytest.raises(CommandError, match="您的角色无权执行此操作"):
        call_command("import", "regions", str(write(tmp_path, xlsx(*GOOD))), "--user",
                     users.a[Role.STREET_OFFICER].username)


def test_the_cyclic_collector_pauses_during_an_import_and_resumes_after_it() -> None:
    assert gc.isenabled()
    with no_cyclic_gc():
        assert not gc.isenabled()
        with no_cyclic_gc():  # validate_data inside _apply
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), no_cyclic_gc():
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with no_cyclic_gc():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_large_write_cache_is_given_back(db):
    from django.db import connection

    from canlian.common.imports import large_write_cache

    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    if connection.vendor != "sqlite":
        with large_write_cache():  # nothing to do elsewhere
            return
    before = cache_size()
    with large_write_cache(kib=4096):
        assert cache_size() == -4096
    assert cache_size() == before


def _index_sql(table: str) -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL"
            " ORDER BY name",
            [table],
        )
        return cursor.fetchall()


def test_indexes_are_rebuilt_only_for_an_insert_that_doubles_the_table(db, monkeypatch):
    from django.db import connection, transaction

    from canlian.common import imports
    from canlian.registry.models import Person
    from canlian.registry.tests.factories import PersonFactory

    table = Person._meta.db_table
    if connection.vendor != "sqlite":  # other databases keep their indexes (readers would wait for the import)
        with imports.indexes_rebuilt_after(Person, 10**6) as rebuilt:
            assert rebuilt is False
        return
    before = _index_sql(table)
    assert len(before) >= 5  # names, phones, birth dates, the eligibility index, …
    with imports.indexes_rebuilt_after(Person, imports.REBUILD_MIN_ROWS - 1) as rebuilt:
        assert rebuilt is False and _index_sql(table) == before  # too few rows to pay for a rebuild
    monkeypatch.setattr(imports, "REBUILD_MIN_ROWS", 2)
    PersonFactory.create_batch(3)
    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    with imports.indexes_rebuilt_after(Person, top - 1) as rebuilt:
        assert rebuilt is False and _index_sql(table) == before  # fewer rows than the table holds
    with transaction.atomic(), imports.indexes_rebuilt_after(Person, top) as rebuilt:
        assert rebuilt is True and _index_sql(table) == []
        PersonFactory.create_batch(3)
    assert _index_sql(table) == before  # the same definitions, created again
    with connection.cursor() as cursor:  # and usable: the planner picks the name index again
        cursor.execute(f"EXPLAIN QUERY PLAN SELECT id FROM {table} WHERE name = %s", ["x"])  # noqa: S608
        assert "registry_person_name" in " ".join(str(row) for row in cursor.fetchall())


def test_an_error_during_a_rebuilt_insert_restores_the_indexes(db, monkeypatch):
    from django.db import connection, transaction

    from canlian.common import imports
    from canlian.registry.models import Person
    from canlian.registry.tests.factories import PersonFactory

    if connection.vendor != "sqlite":
        pytest.skip("indexes are rebuilt on SQLite only")
    monkeypatch.setattr(imports, "REBUILD_MIN_ROWS", 1)
    table = Person._meta.db_table
    before = _index_sql(table)
    with transaction.atomic():  # an outer transaction that goes on after the error (the savepoint is the helper's)
        with pytest.raises(RuntimeError), imports.indexes_rebuilt_after(Person, 5):
            PersonFactory()
            raise RuntimeError("the insert failed")
        assert _index_sql(table) == before and not Person.objects.exists()
    assert _index_sql(table) == before
