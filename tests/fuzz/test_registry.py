"""Every form the app has is fuzzed: the forms are found by importing the
project's modules and walking its URLs, and each must be covered by a target in
tests/fuzz/registry.py. A form added later fails here until it is registered."""

import importlib
import inspect
import pkgutil

from django import forms
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse

from tests.fuzz.registry import COVERED, TARGETS

PROJECT_PACKAGES = ("borrowers", "repayment_plans", "config")


def project_modules():
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if ".migrations" in info.name:
                continue
            yield importlib.import_module(info.name)


def project_form_classes() -> set[type]:
    """Form and ModelForm classes defined in the project's own modules."""
    found = set()
    for module in project_modules():
        for _name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, forms.BaseForm) and obj.__module__ == module.__name__:
                found.add(obj)
    return found


def reachable(pattern) -> bool:
    """False for a pattern shadowed by an earlier one of the same name (the
    project's login replaces the one in django.contrib.auth.urls)."""
    if not pattern.name:
        return True
    try:
        return resolve(reverse(pattern.name)).func is pattern.callback
    except NoReverseMatch:
        return True  # needs arguments: counted


def url_form_classes(resolver=None, prefix="", routes=None) -> set[type]:
    """Forms of the class-based views the URLs route to (auth's login, password
    reset and change), except the staff-only admin site. A route that an
    earlier pattern already serves (the project's reset page before the one in
    django.contrib.auth.urls) is never reached, so its form is not counted."""
    found = set()
    resolver = resolver or get_resolver()
    routes = set() if routes is None else routes
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            found |= url_form_classes(pattern, route, routes)
            continue
        if route in routes:
            continue
        routes.add(route)
        if isinstance(pattern, URLPattern) and reachable(pattern):
            view_class = getattr(pattern.callback, "view_class", None)
            initkwargs = getattr(pattern.callback, "view_initkwargs", {})
            # LoginView uses authentication_form when set, else form_class.
            for attribute in ("authentication_form", "form_class"):
                form_class = initkwargs.get(attribute) or getattr(view_class, attribute, None)
                if inspect.isclass(form_class) and issubclass(form_class, forms.BaseForm):
                    found.add(form_class)
                    break
    return found


def test_the_discovery_finds_the_forms():
    from borrowers.debts.forms import DebtForm
    from repayment_plans.plans.forms import PaymentForm
    from repayment_plans.reminders.views import PreferencesForm

    project = project_form_classes()
    assert {DebtForm, PaymentForm, PreferencesForm} <= project
    from borrowers.accounts.lockout import LoginForm
    from borrowers.accounts.throttle import PasswordResetForm

    assert {LoginForm, PasswordResetForm} <= url_form_classes()


def test_every_form_is_registered_for_fuzzing():
    missing = (project_form_classes() | url_form_classes()) - COVERED
    names = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in missing)
    assert not names, (
        f"Forms without a fuzz target: {names}. Add a Target for each to "
        "tests/fuzz/registry.py (its URL, persona, the form as the view builds it, "
        "and what a valid submission saves)."
    )


def test_each_form_gets_at_least_200_examples():
    per_form: dict[type, int] = {}
    for target in TARGETS:
        per_form[target.form] = per_form.get(target.form, 0) + target.examples
    assert min(per_form.values()) >= 200, {
        cls.__name__: n for cls, n in per_form.items() if n < 200
    }
