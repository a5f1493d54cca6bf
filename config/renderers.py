"""How form fields render: through Jinja2 where a Jinja2 template exists (Django's
own widget templates, and the project's field template), through Django
templates otherwise (the admin's widgets).

The Jinja2 versions of Django's widget and form templates give the same HTML
(whitespace aside) at a fraction of the cost of the Django-template versions.
A field with its label, help and errors (``templates/_field.html``, on every
form) renders ``templates/jinja2/forms/field.html`` the same way.
"""

from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.forms import renderers
from django.template import TemplateDoesNotExist


class Jinja2(renderers.Jinja2):
    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [
                    Path(settings.BASE_DIR) / "templates" / "jinja2",
                    Path(renderers.__file__).parent / self.backend.app_dirname,
                ],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )


class FormRenderer(renderers.BaseRenderer):
    field_template_name = "forms/field.html"

    def __init__(self) -> None:
        self.jinja2 = Jinja2()
        self.django = renderers.DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)
