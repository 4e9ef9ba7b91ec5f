"""The exports page's structure digest as a PostgreSQL function (campaigns/exporters/left_out.py).

As a statement sent by the page, PostgreSQL parsed and planned the digest's query (0.6 ms; three times its
execution) on a connection's first ten views: five before psycopg prepares a statement, then five custom plans
before a prepared statement's plan is kept. Inside a PL/pgSQL function the query is planned once per connection,
generically (``plan_cache_mode``, for this function only), and the page's own statement is a function call.

The query reads each row's id and ``xmin`` for the organization's own row and, in id order, for each table the
export checks read, through their indexes (``= ANY(ARRAY(…))``, and a ``UNION`` where a row may be found by any of
several columns), and brings the findings kept under that digest in that language. A transaction that has written
anything gets no digest (its writes all carry its own number). SQLite has no such function: the page checks the
account on every view there.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION campaigns_export_digest(p_organization bigint, p_language text, p_version integer)
RETURNS TABLE (structure_digest text, kept_findings jsonb)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $body$
BEGIN
RETURN QUERY
WITH org_campaigns AS (
    SELECT c.id, c.xmin FROM campaigns_campaign c WHERE c.organization_id = p_organization
), org_groups AS (
    SELECT g.id, g.xmin FROM campaigns_adgroup g WHERE g.campaign_id = ANY(ARRAY(SELECT id FROM org_campaigns))
), org_lists AS (
    SELECT l.id, l.xmin FROM campaigns_negativekeywordlist l WHERE l.organization_id = p_organization
), structure AS MATERIALIZED (  -- computed once, then matched to the kept findings
    SELECT CASE WHEN pg_current_xact_id_if_assigned() IS NULL THEN p_version || ':' || md5(concat_ws('/',
        (SELECT o.xmin::text FROM campaigns_organization o WHERE o.id = p_organization),
        coalesce((SELECT string_agg(c.id || ':' || c.xmin, ',' ORDER BY c.id) FROM org_campaigns c), ''),
        coalesce((SELECT string_agg(g.id || ':' || g.xmin, ',' ORDER BY g.id) FROM org_groups g), ''),
        coalesce((
            SELECT string_agg(a.id || ':' || a.xmin, ',' ORDER BY a.id) FROM campaigns_ad a
            WHERE a.ad_group_id = ANY(ARRAY(SELECT id FROM org_groups))
        ), ''),
        coalesce((
            SELECT string_agg(k.id || ':' || k.xmin, ',' ORDER BY k.id) FROM (
                SELECT w.id, w.xmin::text AS xmin FROM campaigns_keyword w WHERE w.organization_id = p_organization
                UNION SELECT w.id, w.xmin::text FROM campaigns_keyword w
                    WHERE w.ad_group_id = ANY(ARRAY(SELECT id FROM org_groups))
                UNION SELECT w.id, w.xmin::text FROM campaigns_keyword w
                    WHERE w.campaign_id = ANY(ARRAY(SELECT id FROM org_campaigns))
                UNION SELECT w.id, w.xmin::text FROM campaigns_keyword w
                    WHERE w.shared_list_id = ANY(ARRAY(SELECT id FROM org_lists))
            ) k
        ), ''),
        coalesce((SELECT string_agg(l.id || ':' || l.xmin, ',' ORDER BY l.id) FROM org_lists l), ''),
        coalesce((
            SELECT string_agg(m.id || ':' || m.xmin, ',' ORDER BY m.id) FROM (
                SELECT t.id, t.xmin::text AS xmin FROM campaigns_negativekeywordlist_campaigns t
                    WHERE t.campaign_id = ANY(ARRAY(SELECT id FROM org_campaigns))
                UNION SELECT t.id, t.xmin::text FROM campaigns_negativekeywordlist_campaigns t
                    WHERE t.negativekeywordlist_id = ANY(ARRAY(SELECT id FROM org_lists))
            ) m
        ), '')
    )) END AS value
)
SELECT structure.value, kept.findings FROM structure
LEFT JOIN campaigns_exportfindings kept
    ON kept.organization_id = p_organization AND kept.language = p_language AND kept.digest = structure.value;
END
$body$
"""
SIGNATURE = "campaigns_export_digest(bigint, text, integer)"


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0016_export_findings")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
