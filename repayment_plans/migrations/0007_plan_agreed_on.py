from django.db import migrations, models
from django.utils import timezone


def fill_agreed_on(apps, schema_editor):
    """The day of the answer that created the plan, else the day it was created."""
    Plan = apps.get_model("repayment_plans", "Plan")
    LenderAnswer = apps.get_model("repayment_plans", "LenderAnswer")
    for plan in Plan.objects.all():
        answer = (
            LenderAnswer.objects.filter(proposal_id=plan.proposal_id)
            .filter(models.Q(kind="accepted") | models.Q(counter_accepted=True))
            .order_by("-answered_on", "-pk")
            .first()
        )
        plan.agreed_on = answer.answered_on if answer else timezone.localdate(plan.created_at)
        plan.save(update_fields=["agreed_on"])


class Migration(migrations.Migration):
    dependencies = [("repayment_plans", "0006_disputes")]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="agreed_on",
            field=models.DateField(
                null=True,
                help_text="The day the lender agreed: reporting follows the plan from then.",
                verbose_name="agreed on",
            ),
        ),
        migrations.RunPython(fill_agreed_on, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="plan",
            name="agreed_on",
            field=models.DateField(
                help_text="The day the lender agreed: reporting follows the plan from then.",
                verbose_name="agreed on",
            ),
        ),
    ]
