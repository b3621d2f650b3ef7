import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError


def normalize_credit_code(value):
    return uscc.compact(value or "")


def validate_credit_code(value):
    """统一社会信用代码: 18 characters, GB 32100-2015, check digit included."""
    try:
        uscc.validate(value or "")
    except InvalidLength:
        raise ValidationError(_("A unified social credit code has exactly 18 characters."), code="length") from None
    except InvalidChecksum:
        raise ValidationError(_("The check digit of this credit code is wrong; please check it."), code="checksum") from None
    except (InvalidFormat, InvalidComponent):
        raise ValidationError(_("A credit code uses digits and capital letters (not I, O, S, V, Z)."), code="format") from None
    except StdnumError:
        raise ValidationError(_("This is not a valid unified social credit code."), code="invalid") from None


def normalize_mobile(value):
    """A Chinese mobile number (中国大陆手机号) in E.164, "+8613812345678", the form stored on
    User.mobile: SMS providers are given it as it is (Tencent) or without "+86" (Alibaba). Accepts
    "138 1234 5678", "138-1234-5678", "+86 138…", "0086138…"; raises ValidationError otherwise.
    "" stays "" (no mobile number)."""
    text = (value or "").strip()
    if not text:
        return ""
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("This is not a mobile number: write the 11 digits, e.g. 138 1234 5678."), code="mobile") from None
    if (
        number.country_code != 86
        or phonenumbers.number_type(number) not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
        or not phonenumbers.is_valid_number(number)
    ):
        raise ValidationError(
            _("This is not a valid mainland Chinese mobile number: 11 digits starting with 1, e.g. 138 1234 5678."), code="mobile"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_mobile(value):
    normalize_mobile(value)
