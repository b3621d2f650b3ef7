"""Attachments are checked by their content, not only their name (issue 15, item 3): magic bytes
for every accepted type, the server's content type stored and served, a mismatch refused."""

import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets.models import Attachment
from tickets.services import uploads

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
EXE = b"MZ\x90\x00\x03" + b"\x00" * 200


def xlsx():
    data = io.BytesIO()
    openpyxl.Workbook().save(data)
    return data.getvalue()


def archive(**members):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        for name, content in members.items():
            zf.writestr(name.replace("__", "/"), content)
    return data.getvalue()


def refusal(name, content, client_type="application/octet-stream"):
    with pytest.raises(ValidationError) as refused:
        uploads.validate_upload(SimpleUploadedFile(name, content, content_type=client_type))
    return refused.value


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("营业执照.pdf", PDF),
        ("现场.png", PNG),
        ("现场.jpg", JPEG),
        ("现场.JPEG", JPEG),
        ("台账.xlsx", xlsx()),
        ("说明.docx", archive(**{"[Content_Types].xml": "<Types/>", "word__document.xml": "<w:document/>"})),
        ("旧表.xls", OLE),
        ("旧文.doc", OLE),
        ("材料.zip", archive(a="x")),
        ("说明.txt", "情况说明：申请用电增容。\n".encode()),
        ("说明（国标）.txt", "情况说明：申请用电增容。".encode("gb18030")),
        ("说明16.txt", "情况说明".encode("utf-16")),
        ("比较.txt", b"price < 100 and size > 5"),
    ],
)
def test_a_file_whose_content_is_what_its_name_says_is_accepted(name, content):
    uploads.validate_upload(SimpleUploadedFile(name, content))


def test_an_executable_renamed_pdf_is_refused_saying_what_it_looks_like():
    error = refusal("invoice.pdf", EXE, "application/pdf")

    assert error.code == "file_content"
    assert "invoice.pdf" in error.message and ".pdf" in error.message and "EXE" in error.message


@pytest.mark.parametrize(
    "content",
    [
        b"<html><body>hi</body></html>",
        b"  <!DOCTYPE html><p>x",
        b"notes\n<script>alert(1)</script>",
        b"<svg onload=alert(1)>",
        b"<?xml version='1.0'?>",
    ],
)
def test_markup_inside_a_txt_is_refused(content):
    assert refusal("说明.txt", content, "text/plain").code == "file_content"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("照片.png", JPEG),
        ("照片.jpg", PDF),
        ("台账.xlsx", archive(a="x")),  # a zip without a workbook
        ("说明.docx", xlsx()),  # a workbook is not a document
        ("旧表.xls", PDF),
        ("材料.zip", PDF),
        ("二进制.txt", b"abc\x00\x01\x02def"),
        ("程序.txt", EXE),
        ("乱码.txt", b"\xff\xfe\xfa"[1:] + b"\x80\x81\xfe"),
    ],
)
def test_content_that_is_not_what_the_name_says_is_refused(name, content):
    assert refusal(name, content).code == "file_content"


def test_the_size_and_type_checks_come_before_the_content_check(settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    assert refusal("大文件.pdf", EXE).code == "file_size"
    assert refusal("程序.exe", EXE).code == "file_type"


def test_the_stored_content_type_is_the_servers_not_the_clients(company_user, submit):
    ticket = submit(files=[SimpleUploadedFile("说明.txt", "情况说明".encode(), content_type="text/html")])

    assert Attachment.objects.get(ticket=ticket).content_type == "text/plain; charset=utf-8"


def test_a_download_is_served_with_the_type_of_its_checked_content(client, company_user, submit):
    ticket = submit(files=[SimpleUploadedFile("营业执照.pdf", PDF, content_type="text/html")])
    attachment = Attachment.objects.get(ticket=ticket)
    client.force_login(company_user)

    response = client.get(reverse("attachment_download", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_accepted_type_the_system_cannot_check_is_a_configuration_error(settings):
    from tickets.apps import _uploads_are_checkable

    settings.ATTACHMENT_ALLOWED_EXTENSIONS = ["pdf", "exe"]

    [error] = _uploads_are_checkable(None)
    assert error.id == "tickets.E001" and "exe" in error.msg
