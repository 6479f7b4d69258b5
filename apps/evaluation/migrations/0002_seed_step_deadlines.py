"""Seed the default step deadlines (days a candidacy may stay in a state before the boards call it late).

Derived from the annual cycle (ideas in March, plans March-April, implementation April-August, evaluation rounds
June-July and October-November); provinces adjust them in the admin.
"""

from django.db import migrations

DEADLINES = {
    "idea_submitted": 15,
    "idea_rejected": 30,
    "idea_accepted": 30,
    "plan_submitted": 15,
    "plan_rejected": 30,
    "implementing": 150,
    "dossier_submitted": 10,
    "proposed": 60,
    "under_evaluation": 20,
    "evaluated": 15,
}


def seed(apps, schema_editor):
    StepDeadline = apps.get_model("evaluation", "StepDeadline")
    for state, days in DEADLINES.items():
        StepDeadline.objects.update_or_create(state=state, defaults={"days": days})


def unseed(apps, schema_editor):
    apps.get_model("evaluation", "StepDeadline").objects.filter(state__in=list(DEADLINES)).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
