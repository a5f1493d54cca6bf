"""config/renderers.py: fields through Jinja2 widget templates, the admin's through Django's."""

from django.forms.renderers import get_default_renderer
from django.template.backends import django as django_backend
from django.template.backends import jinja2 as jinja2_backend

from borrowers.debts.forms import BudgetForm


def test_form_fields_render_through_jinja2_and_the_admins_widgets_through_django():
    renderer = get_default_renderer()
    widget = renderer.get_template("django/forms/widgets/input.html")
    assert isinstance(widget, jinja2_backend.Template)
    admin = renderer.get_template("admin/widgets/date.html")
    assert isinstance(admin, django_backend.Template)
    html = str(BudgetForm()["food"])
    assert 'name="food"' in html and 'id="id_food"' in html
