"""People's channel addresses: the mobile number validated and stored in E.164, the CSV import (the
command and the admin's upload page), a bad row refused with its line and nothing saved."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from enterprises.channel_addresses import ImportRefused, import_addresses
from enterprises.models import User
from enterprises.validators import normalize_mobile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "written", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "008613812345678", " 13812345678 "]
)
def test_a_mobile_number_is_stored_in_e164(written):
    assert normalize_mobile(written) == "+8613812345678"


@pytest.mark.parametrize("written", ["1381234567", "23812345678", "010 6552 9988", "+1 650 253 0000", "138123456789", "手机"])
def test_what_is_not_a_chinese_mobile_number_is_refused_with_a_chinese_message(written):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        normalize_mobile(written)
    assert "手机号" in " ".join(refused.value.messages)


def test_a_user_saved_through_full_clean_gets_the_normalised_number(department):
    user = UserFactory.build(role=User.Role.DEPARTMENT, department=department, mobile="139 0000 1111")
    user.full_clean(exclude=["password"])
    assert user.mobile == "+8613900001111"
    user.mobile = "12345"
    with pytest.raises(ValidationError) as refused:
        user.full_clean(exclude=["password"])
    assert list(refused.value.message_dict) == ["mobile"]


@pytest.fixture
def people(db):
    return [UserFactory(username="zhangsan"), UserFactory(username="lisi", mobile="+8613900001111", wecom_userid="LiSi")]


def test_the_csv_import_sets_the_columns_it_names_by_username(people):
    changed = import_addresses(
        "\ufeffusername,mobile,wecom_userid,dingtalk_userid\nzhangsan,138 1234 5678,ZhangSan,ding-zs\nlisi,,LiSi2,\n".encode()
    )
    assert changed == 2
    assert User.objects.values_list("username", "mobile", "wecom_userid", "dingtalk_userid").get(username="zhangsan") == (
        "zhangsan", "+8613812345678", "ZhangSan", "ding-zs"
    )  # fmt: skip
    assert User.objects.values_list("mobile", "wecom_userid", "dingtalk_userid").get(username="lisi") == ("", "LiSi2", "")


def test_a_column_left_out_is_left_as_it_is_and_gb18030_is_read(people):
    import_addresses("username,dingtalk_userid\nlisi,钉钉号\n".encode("gb18030"))
    assert User.objects.values_list("mobile", "wecom_userid", "dingtalk_userid").get(username="lisi") == (
        "+8613900001111",
        "LiSi",
        "钉钉号",
    )


def test_one_bad_row_and_nothing_of_the_file_is_saved_each_error_with_its_line(people):
    data = "username,mobile,wecom_userid\nzhangsan,13812345678,ZS\nlisi,1234,LS\nnobody,13812345679,NB\n,13812345670,\nzhangsan,,\n"
    with translation.override("zh-hans"), pytest.raises(ImportRefused) as refused:
        import_addresses(data.encode())
    errors = refused.value.errors
    assert [error.split("：")[0].split(":")[0] for error in errors] == ["第 3 行", "第 4 行", "第 5 行", "第 6 行"]
    assert "手机号" in errors[0] and "nobody" in errors[1]
    assert User.objects.get(username="zhangsan").mobile == ""
    assert User.objects.get(username="lisi").wecom_userid == "LiSi"


def test_a_file_without_the_header_is_refused(people):
    with pytest.raises(ImportRefused):
        import_addresses(b"zhangsan,13812345678\n")
    with pytest.raises(ImportRefused):
        import_addresses(b"username,mobile,password\nzhangsan,13812345678,x\n")


def test_the_command_imports_a_file_and_refuses_a_bad_one(people, tmp_path, capsys):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("username,mobile\nzhangsan,13812345678\n", encoding="utf-8")
    bad.write_text("username,mobile\nlisi,13812345678\nzhangsan,99\n", encoding="utf-8")
    call_command("import_channel_addresses", str(good))
    assert "1 people updated" in capsys.readouterr().out
    with pytest.raises(CommandError, match="第 3 行"):
        call_command("import_channel_addresses", str(bad))
    assert User.objects.get(username="lisi").mobile == "+8613900001111"


def test_the_admin_upload_page_imports_and_shows_the_errors(client, admin_user, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    url = reverse("admin:enterprises_user_import_channel_addresses")
    assert url.encode() in client.get(reverse("admin:enterprises_user_changelist")).content
    response = client.post(url, {"file": SimpleUploadedFile("a.csv", b"username,mobile\nzhangsan,13812345678\nlisi,12\n")})
    assert response.status_code == 200
    assert "第 3 行".encode() in response.content
    assert User.objects.get(username="zhangsan").mobile == ""
    response = client.post(url, {"file": SimpleUploadedFile("a.csv", b"username,mobile\nzhangsan,13812345678\n")})
    assert response.status_code == 302
    assert User.objects.get(username="zhangsan").mobile == "+8613812345678"


def test_the_admin_change_form_refuses_an_invalid_mobile_number(client, admin_user, people):
    client.force_login(admin_user)
    user = people[0]
    url = reverse("admin:enterprises_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value for name, value in form.initial.items() if value is not None and name not in ("groups", "user_permissions", "password")
    }
    data.update(mobile="1380000", date_joined_0="2026-01-01", date_joined_1="00:00:00")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "手机号" in response.content.decode()
    assert User.objects.get(pk=user.pk).mobile == ""
