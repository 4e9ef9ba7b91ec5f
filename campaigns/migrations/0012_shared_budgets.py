from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0011_campaign_level_search_terms")]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="shared_budget_name",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
    ]
