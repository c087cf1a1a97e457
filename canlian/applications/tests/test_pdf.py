"""The printed 审批表: real, extractable Chinese text in an embedded font, and a page that renders."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader

from canlian.accounts.choices import Role
from canlian.applications.choices import Transition
from canlian.applications.services import application_transition
from canlian.applications.tests.factories import make_application
from canlian.registry.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(users, areas):
    app = make_application(person=PersonFactory(community=areas.community_a1, name="张三丰"),
                           creator=users.a[Role.DISTRICT_OFFICER], step="review")
    application_transition(actor=users.a[Role.DISTRICT_OFFICER], application=app, transition=Transition.ADVANCE,
                           opinion="经审核符合条件", today=date(2024, 3, 1))
    return app


def test_pdf_text_is_extractable_chinese_in_an_embedded_font(users, reviewed, client_for) -> None:
    response = client_for(users.a[Role.COMMUNITY_COORDINATOR]).get(f"/applications/{reviewed.pk}/print/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = reader.pages[0].extract_text()
    for expected in ("困难精神残疾人药费补助审批表", "张三丰", "经审核符合条件", "审核", "办理意见"):
        assert expected in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
                   if "/DescendantFonts" in f.get_object() else f.get_object().get("/FontDescriptor")
                   for f in fonts.values()]
    assert any(d is not None and "/FontFile2" in d for d in descriptors), "the CJK font must be embedded"


def test_pdf_renders_to_a_non_blank_png(users, reviewed, client_for, tmp_path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: `make test` installs poppler-utils (scripts/ensure-system-packages.sh)")
    from PIL import Image

    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(client_for(users.a[Role.LEADER]).get(f"/applications/{reviewed.pk}/print/").content)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    png = next(tmp_path.glob("page*.png"))
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 0.005 * image.width * image.height


def test_selection_prints_one_page_per_visible_application(users, areas, reviewed, client_for) -> None:
    other = make_application(person=PersonFactory(community=areas.community_b1),
                             creator=users.a[Role.DISTRICT_OFFICER])
    mine = make_application(person=PersonFactory(community=areas.community_a1),
                            creator=users.a[Role.DISTRICT_OFFICER])
    client = client_for(users.a[Role.COMMUNITY_COORDINATOR])
    response = client.get("/applications/print/", {"ids": [reviewed.pk, other.pk, mine.pk]})
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 2
