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
        raise ValidationError(
            _("A credit code uses digits and capital letters (not I, O, S, V, Z)."), code="format"
        ) from None
    except StdnumError:
        raise ValidationError(_("This is not a valid unified social credit code."), code="invalid") from None
