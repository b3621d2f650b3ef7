"""Companies and people: the credit code (GB 32100-2015) and role consistency of users."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from stdnum.cn import uscc

from enterprises.models import Enterprise, User
from enterprises.validators import validate_credit_code
from tests.factories import PASSWORD, DepartmentFactory, DistrictFactory, EnterpriseFactory, IndustryFactory, UserFactory
from tickets import visibility

# The example code from python-stdnum's documentation.
VALID_CODE = "91110000600037341L"


def with_check_digit(body):
    return body + uscc.calc_check_digit(body)


def new_enterprise(credit_code):
    """An unsaved company with every other field valid."""
    return EnterpriseFactory.build(credit_code=credit_code, industry=IndustryFactory(), district=DistrictFactory())


def credit_code_errors(credit_code):
    enterprise = new_enterprise(credit_code)
    with pytest.raises(ValidationError) as excinfo:
        enterprise.full_clean()
    assert set(excinfo.value.message_dict) == {"credit_code"}
    return [error.code for error in excinfo.value.error_dict["credit_code"]]


# --------------------------------------------------------------------------------------------
# credit code
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [VALID_CODE, with_check_digit("91140500000004242"), with_check_digit("91140500MA0K12345")])
def test_valid_credit_code_is_accepted(code, db):
    enterprise = new_enterprise(code)
    enterprise.full_clean()
    enterprise.save()
    assert Enterprise.objects.get(pk=enterprise.pk).credit_code == code


def test_check_digit_can_be_a_letter(db):
    code = next(c for c in (with_check_digit(f"91140500{n:09d}") for n in range(1, 200)) if c[-1].isalpha())
    new_enterprise(code).full_clean()


def test_wrong_check_digit_is_refused(db):
    wrong = VALID_CODE[:-1] + ("M" if VALID_CODE[-1] != "M" else "N")
    assert credit_code_errors(wrong) == ["checksum"]


def test_swapped_digits_are_caught_by_the_check_digit(db):
    swapped = VALID_CODE[:8] + VALID_CODE[9] + VALID_CODE[8] + VALID_CODE[10:]
    assert swapped != VALID_CODE
    assert credit_code_errors(swapped) == ["checksum"]


@pytest.mark.parametrize("code", [VALID_CODE[:-1], VALID_CODE[:10], "9"])
def test_too_short_credit_code_is_refused(code, db):
    assert "length" in credit_code_errors(code)


def test_too_long_credit_code_is_refused(db):
    errors = credit_code_errors(VALID_CODE + "1")
    assert "max_length" in errors
    assert "length" in errors


def test_empty_credit_code_is_refused(db):
    assert credit_code_errors("") == ["blank"]


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_forbidden_letters_are_refused(letter, db):
    # In the organisation code (positions 9–17) and as check digit: never I, O, S, V or Z.
    in_body = VALID_CODE[:10] + letter + VALID_CODE[11:]
    assert credit_code_errors(in_body) == ["format"]
    as_check_digit = VALID_CODE[:-1] + letter
    assert credit_code_errors(as_check_digit) == ["format"]


def test_letters_in_the_region_code_are_refused(db):
    code = "91A10000600037341L"
    assert credit_code_errors(code) == ["format"]


def test_punctuation_is_refused(db):
    assert credit_code_errors(VALID_CODE[:5] + "*" + VALID_CODE[6:]) == ["format"]


def test_lowercase_credit_code_is_normalized_to_uppercase(db):
    enterprise = new_enterprise(VALID_CODE.lower())
    enterprise.full_clean()
    assert enterprise.credit_code == VALID_CODE
    enterprise.save()
    assert Enterprise.objects.get(pk=enterprise.pk).credit_code == VALID_CODE


def test_lowercase_code_with_wrong_check_digit_is_still_refused(db):
    assert credit_code_errors(VALID_CODE[:-1].lower() + "m") == ["checksum"]


def test_validator_on_its_own_accepts_valid_and_refuses_invalid_codes():
    validate_credit_code(VALID_CODE)
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code("12345")
    assert excinfo.value.code == "length"
    with pytest.raises(ValidationError):
        validate_credit_code(None)


def test_duplicate_credit_code_is_refused(db):
    EnterpriseFactory(credit_code=VALID_CODE)
    assert credit_code_errors(VALID_CODE) == ["unique"]


def test_duplicate_credit_code_in_lowercase_is_refused(db):
    EnterpriseFactory(credit_code=VALID_CODE)
    assert credit_code_errors(VALID_CODE.lower()) == ["unique"]


def test_database_refuses_a_duplicate_credit_code_too(db):
    EnterpriseFactory(credit_code=VALID_CODE)
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseFactory(credit_code=VALID_CODE)


def test_editing_a_company_keeps_its_own_code_valid(db):
    enterprise = EnterpriseFactory(credit_code=VALID_CODE)
    enterprise.name = "改名后的公司"
    enterprise.full_clean()


# --------------------------------------------------------------------------------------------
# users: role, company and department go together
# --------------------------------------------------------------------------------------------


def clean_errors(user):
    with pytest.raises(ValidationError) as excinfo:
        user.clean()
    return set(excinfo.value.message_dict)


def test_company_user_with_a_company_is_valid(enterprise):
    User(username="u", role=User.Role.COMPANY, enterprise=enterprise).clean()


def test_company_user_without_a_company_is_refused(db):
    assert clean_errors(User(username="u", role=User.Role.COMPANY)) == {"enterprise"}


def test_company_user_cannot_belong_to_a_department(enterprise, department):
    assert clean_errors(User(username="u", role=User.Role.COMPANY, enterprise=enterprise, department=department)) == {"department"}


def test_department_user_with_a_department_is_valid(department):
    User(username="u", role=User.Role.DEPARTMENT, department=department).clean()


def test_department_user_without_a_department_is_refused(db):
    assert clean_errors(User(username="u", role=User.Role.DEPARTMENT)) == {"department"}


def test_department_user_cannot_belong_to_a_company(enterprise, department):
    assert clean_errors(User(username="u", role=User.Role.DEPARTMENT, department=department, enterprise=enterprise)) == {"enterprise"}


CITY_WIDE_ROLES = [User.Role.LIAISON, User.Role.DISPATCHER, User.Role.SUPERVISOR, User.Role.LEADER, User.Role.ADMIN]


@pytest.mark.parametrize("role", CITY_WIDE_ROLES)
def test_city_wide_roles_need_neither_company_nor_department(role, db):
    User(username="u", role=role).clean()


@pytest.mark.parametrize("role", CITY_WIDE_ROLES)
def test_city_wide_roles_cannot_belong_to_a_company(role, enterprise):
    assert clean_errors(User(username="u", role=role, enterprise=enterprise)) == {"enterprise"}


@pytest.mark.parametrize("role", CITY_WIDE_ROLES)
def test_city_wide_roles_cannot_belong_to_a_department(role, department):
    assert clean_errors(User(username="u", role=role, department=department)) == {"department"}


def test_full_clean_reports_role_inconsistency(db):
    user = User(username="u", role=User.Role.DEPARTMENT)
    user.set_password(PASSWORD)
    with pytest.raises(ValidationError) as excinfo:
        user.full_clean()
    assert "department" in excinfo.value.message_dict


@pytest.mark.parametrize(("role", "field"), [(User.Role.COMPANY, "enterprise"), (User.Role.DEPARTMENT, "department")])
def test_database_refuses_company_or_department_user_without_their_organisation(role, field, db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="u", role=role)


def test_database_refuses_a_company_on_someone_who_is_not_a_company_user(enterprise, db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="u", role=User.Role.DISPATCHER, enterprise=enterprise)


def test_database_refuses_a_department_on_someone_who_is_not_department_staff(department, db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="u", role=User.Role.SUPERVISOR, department=department)


def test_a_liaison_keeps_the_role_while_looking_after_companies(liaison):
    liaison.role = User.Role.LEADER
    with pytest.raises(ValidationError) as refused:
        liaison.full_clean()
    assert "role" in refused.value.message_dict
    liaison.liaison_enterprises.clear()
    liaison.full_clean()


# --------------------------------------------------------------------------------------------
# who speaks for a company
# --------------------------------------------------------------------------------------------


def test_company_user_speaks_only_for_their_company(company_user, enterprise, other_enterprise):
    assert visibility.speaks_for(company_user, enterprise.pk)
    assert not visibility.speaks_for(company_user, other_enterprise.pk)


def test_liaison_speaks_for_the_companies_they_look_after(liaison, enterprise, other_enterprise):
    assert visibility.speaks_for(liaison, enterprise.pk)
    assert not visibility.speaks_for(liaison, other_enterprise.pk)


@pytest.mark.parametrize("role", [User.Role.DISPATCHER, User.Role.SUPERVISOR, User.Role.LEADER, User.Role.ADMIN])
def test_government_roles_do_not_speak_for_companies(role, enterprise):
    assert not visibility.speaks_for(UserFactory(role=role), enterprise.pk)


def test_department_staff_do_not_speak_for_companies(enterprise):
    assert not visibility.speaks_for(UserFactory(role=User.Role.DEPARTMENT, department=DepartmentFactory()), enterprise.pk)


def test_createsuperuser_makes_an_administrator(db):
    from django.core.management import call_command

    call_command("createsuperuser", "--noinput", username="root", email="root@example.gov.cn")
    from enterprises.models import User

    assert User.objects.get(username="root").role == User.Role.ADMIN


def test_a_liaison_reads_its_companies_once_however_often_asked(liaison, enterprise, other_enterprise, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert visibility.speaks_for(liaison, enterprise.pk)
        assert not visibility.speaks_for(liaison, other_enterprise.pk)
        assert visibility.speaks_for(liaison, enterprise.pk)
