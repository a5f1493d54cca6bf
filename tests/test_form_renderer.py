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


def test_a_field_renders_with_its_label_help_and_errors_through_the_jinja2_field_template():
    renderer = get_default_renderer()
    assert isinstance(renderer.get_template("forms/field.html"), jinja2_backend.Template)
    form = BudgetForm(data={"monthly_net_income": "-1", "food": "<b>x</b>"})
    assert not form.is_valid()
    html = str(form["food"].as_field_group())
    assert html.startswith('<div class="field has-error') and 'id="field-food"' in html
    assert '<label for="id_food">' in html
    assert '<ul class="field-errors" id="id_food_error"><li>' in html
    assert "<b>x</b>" not in html  # the posted value is escaped
