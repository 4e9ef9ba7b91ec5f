"""Report files laid out byte for byte as the platforms download them, with invented accounts and numbers.

Each mirrors a layout studied in real downloads published in public repositories: the title line, the quoted
date-range line (or "All time"), the header as written, " --" and "< 10%" cells, thousands separators only in some
columns, and the "Total: ..." lines in the column where the platform puts them. Every total line adds up to the
rows above it, as in the real files, so the tests can check the import reconciles to the cent.
"""

# ruff: noqa: E501 - report rows are kept whole, as the platforms write them

from __future__ import annotations

import csv
import io

# Google Ads, English, search terms, no Day segment; "Other search terms" and per-type totals below the rows.
GOOGLE_EN_SEARCH_TERMS_PERIOD = '''Search terms report
"January 5, 2026 - February 3, 2026"
Search term,Match type,Added/Excluded,Campaign,Ad group,Keyword,Impr.,Interactions,Clicks,Currency code,Cost,Conversions,Campaign type
tile adhesive,Exact match,Added,S_Tiles_ES,Adhesives,[tile adhesive],"1,204",88,88,EUR,61.20,4.00,Search
tile adhesive,Exact match (close variant),None,S_Tiles_ES,Adhesives,[tile adhesive],310,21,21,EUR,14.35,1.00,Search
tile adhesive,Phrase match,None,S_Tiles_ES,Adhesives,"""tile adhesive""",95,6,6,EUR,4.05,0.00,Search
free tile samples,Phrase match (close variant),Excluded,S_Tiles_ES,Samples,"""tile samples""",40,3,3,EUR,2.10,0.00,Search
grout colours,Broad match,None,S_Tiles_ES,Grout,grout,"2,050",57,57,EUR,1004.60,0.50,Search
Total: Search terms,,,,,,"3,699",175,175,EUR,1086.30,5.50,
Total: Other search terms,,,,,,0,0,112,EUR,701.14,2.00,
Total: Account,,,,,,"6,023",287,287,EUR,1787.44,7.50,
Total: Search,,,,,,"6,023",287,287,EUR,1787.44,7.50,Search
Total: Display,,,,,,0,0,0,EUR,0.00,0.00,Display
'''

# Google Ads, English, keyword report: status first, keywords with their [ ] and " " syntax, " --" cells, and the
# total lines' label in the third column after " --" and an empty cell.
GOOGLE_EN_KEYWORDS_PERIOD = '''Search keyword report
"January 5, 2026 - February 3, 2026"
Keyword status,Keyword,Match type,Campaign,Ad group,Status,Status reasons,Currency code,Max. CPC,Cost,Clicks,Impr.,CTR,Avg. CPC,Conv. rate,Conv. value,Conversions,Cost / conv.
Enabled,[tile adhesive],Exact match,S_Tiles_ES,Adhesives,Eligible,,EUR, --,75.55,109,"1,514",7.20%,0.69,4.59%,"1,250.00",5.00,15.11
Enabled,"""tile adhesive""",Phrase match,S_Tiles_ES,Adhesives,Eligible,,EUR, --,4.05,6,95,6.32%,0.68,0.00%,0.00,0.00,0.00
Paused,"""tile samples""",Phrase match,S_Tiles_ES,Samples,Paused,paused,EUR, --,2.10,3,40,7.50%,0.70,0.00%,0.00,0.00,0.00
Enabled,grout,Broad match,S_Tiles_ES,Grout,Limited,low quality,EUR,1.20,1004.60,57,"2,050",2.78%,17.62,0.88%,180.00,0.50,"2,009.20"
Enabled,[grout sealer],Exact match,S_Tiles_ES,Grout,Not eligible,rarely served,EUR, --,0.00,0,0, --,0,0.00%,0.00,0.00,0.00
 --,,Total: All but removed keywords, --, --, --,,EUR, --,1086.30,175,"3,699",4.73%,6.21,3.14%,"1,430.00",5.50,197.51
,,Total: Keywords in your account,,,,,EUR,,1121.84,181,"3,802",4.76%,6.20,3.04%,"1,430.00",5.50,203.97
'''

# Google Ads, English, campaign report over "All time": budget types, campaign types, paused campaigns,
# Interactions beside Clicks, "< 10%" cells, a campaign name with a comma.
GOOGLE_EN_CAMPAIGNS_ALL_TIME = """Campaign report
All time
Campaign status,Campaign,Budget,Budget name,Budget type,Status,Status reasons,Campaign type,Impr.,Interactions,Interaction rate,Currency code,Avg. cost,Cost,Search lost IS (budget),Avg. CPC,Search impr. share,Clicks,Conv. rate,Conversions,Cost / conv.
Enabled,S_Tiles_ES,25.00, --,Daily,Eligible,,Search,"120,400","6,210",5.16%,EUR,0.84,5216.40,12.10%,0.84,< 10%,"6,210",3.10%,192.51,27.10
Paused,PMax_Tiles,10.00, --,Daily,Paused,campaign paused,Performance Max,"88,015","3,120",3.54%,EUR,0.35,1092.00, --,1.91, --,571,1.05%,6.00,182.00
Paused,"Tiles, grout & more_Display",5.00, --,Daily,Paused,campaign paused; most ads disapproved,Display,"1,204,880","2,051",0.17%,EUR,0.21,430.71, --,0.21, --,"2,051",0.10%,2.00,215.36
Enabled,Spring promo,300.00, --,Campaign Total,Eligible,,Search,"9,900",410,4.14%,EUR,0.61,250.10,30.00%,0.61,< 10%,410,2.44%,10.00,25.01
Total: Campaigns, --, --, --, --, --,, --,"1,423,195","11,791",0.83%,EUR,0.59,6989.21,13.20%,0.76,< 10%,"9,242",2.28%,210.51,33.20
Total: Account,,,,,,,,"1,423,300","11,795",0.83%,EUR,0.59,6990.05,13.20%,0.76,< 10%,"9,246",2.28%,210.51,33.21
Total: Search,,,,,,,Search,"130,300","6,620",5.08%,EUR,0.83,5466.50,12.50%,0.83,< 10%,"6,620",3.06%,202.51,26.99
Total: Performance Max,,,,,,,Performance Max,"88,015","3,120",3.54%,EUR,0.35,1092.00, --,1.91, --,571,1.05%,6.00,182.00
Total: Display,,,,,,,Display,"1,204,880","2,051",0.17%,EUR,0.21,430.71, --,0.21, --,"2,051",0.10%,2.00,215.36
"""

# Google Ads, Spanish interface: abbreviated months on the date-range line, comma decimals, dot thousands.
GOOGLE_ES_SEARCH_TERMS_PERIOD = """Informe de términos de búsqueda
"1 ene 2026 - 31 ene 2026"
Término de búsqueda,Tipo de concordancia,Añadido/Excluido,Campaña,Grupo de anuncios,Palabra clave,Impr.,Clics,Código de moneda,Coste,Conversiones,Tipo de campaña
cemento cola,Concordancia exacta,Añadido,Cemento,Cemento cola,[cemento cola],"1.234",12,EUR,"12,50",1,Búsqueda
cemento cola,Concordancia exacta (variante aproximada),Ninguno,Cemento,Cemento cola,[cemento cola],410,4,EUR,"3,05",0,Búsqueda
cemento dental,Concordancia amplia,Excluido,Cemento,Cemento gris,cemento,40,3,EUR,"4,10",0,Búsqueda
Total: términos de búsqueda,,,,,,"1.684",19,EUR,"19,65",1,
Total: otros términos de búsqueda,,,,,,0,7,EUR,"8,20",0,
Total: cuenta,,,,,,"2.100",26,EUR,"27,85",1,
"""

# Google Ads search terms downloaded from inside one Performance Max campaign: no Campaign or Ad group column,
# every row's match type "Performance Max", and a "Total: Campaign" line that is more than the terms listed and
# not listed: the campaign also spends outside search.
GOOGLE_EN_PMAX_CAMPAIGN_SEARCH_TERMS = """Search terms report
"January 5, 2026 - February 3, 2026"
Search term,Match type,Added/Excluded,Clicks,Impr.,CTR,Currency code,Avg. CPC,Cost,Conv. rate,Conversions,Cost / conv.
tile shop near me,Performance Max,None,3,40,7.50%,EUR,0.41,1.23,0.00%,0.00,0.00
bathroom wall tiles,Performance Max,None,0,2,0.00%,EUR,0,0.00,0.00%,0.00,0.00
Total: Search terms,,,3,42,7.14%,EUR,0.41,1.23,0.00%,0.00,0.00
Total: Other search terms,,,2,95,2.11%,EUR,0.40,0.80,0.00%,0.00,0.00
Total: Campaign,,,9,"1,310",0.69%,EUR,0.31,2.80,0.00%,0.00,0.00
"""

# Microsoft Advertising keyword report, summary (no day): the "Report Time" line holds the range.
MICROSOFT_EN_KEYWORDS_PERIOD = (
    '"Report Name: Keyword Performance Report"\n'
    '"Report Time: 1/1/2026,1/31/2026"\n'
    '"Time Zone: (GMT+01:00) Brussels, Copenhagen, Madrid, Paris"\n'
    '"Last Completed Available Day: 2/3/2026 11:59:59 PM"\n'
    '"Last Completed Available Hour: 2/3/2026 11:00:00 PM"\n'
    '"Report Aggregation: Summary"\n'
    '"Report Filter: "\n'
    '"Potential Incomplete Data: false"\n'
    '"Rows: 3"\n'
    "\n"
    "Account name\tCampaign name\tAd group\tKeyword\tBid match type\tImpressions\tClicks\tSpend\tConversions\t"
    "Revenue\tCurrency code\n"
    "Tejas Norte\tBricks\tFace bricks\tface brick\tExact\t2,300\t58\t41.29\t3\t1,250.50\tEUR\n"
    "Tejas Norte\tBricks\tFace bricks\tface brick\tPhrase\t800\t12\t9.05\t0\t0.00\tEUR\n"
    "Tejas Norte\tBricks\tClinker\tclinker brick\tBroad\t95\t2\t1.10\t0\t0.00\tEUR\n"
    "Total\t-\t-\t-\t-\t3,195\t72\t51.44\t3\t1,250.50\t-\n"
    "\n"
    "\u00a92026 Microsoft Corporation. All rights reserved. \n"
)


def as_excel_csv(text: str) -> str:
    """The same report as Google's "Excel CSV" download writes it: tab-separated (encode it as UTF-16)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    for row in csv.reader(io.StringIO(text)):
        writer.writerow(row)
    return out.getvalue()


# Google Ads, English, search terms of a Performance Max campaign, downloaded at account level: those campaigns
# have no ad groups, so the report has no Ad group column (and counts Interactions, not Clicks).
GOOGLE_EN_PMAX_SEARCH_TERMS = """Search terms report
"January 5, 2026 - February 3, 2026"
Search term,Match type,Added/Excluded,Campaign,Campaign type,Impr.,Interactions,Currency code,Cost,Conversions,Conv. value
tile shop near me,Performance Max,None,PMax_Tiles,Performance Max,"1,050",31,EUR,24.80,2.00,180.00
bathroom tiles,Performance Max,None,PMax_Tiles,Performance Max,620,12,EUR,9.36,0.00,0.00
cheap tiles,Performance Max,Excluded,PMax_Tiles,Performance Max,88,2,EUR,1.10,0.00,0.00
Total: Search terms,,,,,"1,758",45,EUR,35.26,2.00,180.00
Total: Other search terms,,,,,"4,100",96,EUR,71.02,3.00,260.00
Total: Account,,,,,"5,858",141,EUR,106.28,5.00,440.00
"""

# The account's search terms report with a Performance Max campaign among Search ones: its rows have " --" in the
# Ad group column.
GOOGLE_EN_SEARCH_TERMS_WITH_PMAX = """Search terms report
"January 5, 2026 - February 3, 2026"
Search term,Match type,Added/Excluded,Campaign,Ad group,Keyword,Impr.,Clicks,Currency code,Cost,Conversions,Campaign type
tile adhesive,Exact match,Added,S_Tiles_ES,Adhesives,[tile adhesive],"1,204",88,EUR,61.20,4.00,Search
tile adhesive,Performance Max,None,PMax_Tiles, --, --,310,21,EUR,14.35,1.00,Performance Max
Total: Search terms,,,,,,"1,514",109,EUR,75.55,5.00,
"""

# Google Ads, English, campaign report with the Week segment: each row is a week from its Monday; the first and
# last week reach outside the date range on line 2, and hold only the range's days.
GOOGLE_EN_CAMPAIGNS_BY_WEEK = """Campaign report
"August 26, 2026 - September 13, 2026"
Week,Campaign,Campaign type,Currency code,Impr.,Clicks,Cost,Conversions
2026-08-24,Roof tiles,Search,EUR,"1,200",40,30.00,2.00
2026-08-31,Roof tiles,Search,EUR,"1,310",44,33.10,1.00
2026-09-07,Roof tiles,Search,EUR,980,30,25.00,0.00
Total: Campaigns,,,EUR,"3,490",114,88.10,3.00
"""

# Google Ads, Spanish, search terms with the Month segment written out ("julio de 2026") and comma decimals.
GOOGLE_ES_SEARCH_TERMS_BY_MONTH = """Informe de términos de búsqueda
"1 jul 2026 - 31 ago 2026"
Mes,Término de búsqueda,Tipo de concordancia,Campaña,Grupo de anuncios,Palabra clave,Impr.,Clics,Código de moneda,Coste,Conversiones
julio de 2026,cemento cola,Concordancia exacta,Cemento,Cemento cola,[cemento cola],"1.234",12,EUR,"12,50","1,00"
agosto de 2026,cemento cola,Concordancia exacta,Cemento,Cemento cola,[cemento cola],"1.001",7,EUR,"9,30","2,50"
Total: términos de búsqueda,,,,,,"2.235",19,EUR,"21,80","3,50"
"""

# Google Ads, German, ad group report by month, the month as its first day (dd.mm.yyyy).
GOOGLE_DE_AD_GROUPS_BY_MONTH = """Anzeigengruppenbericht
"01.07.2026 - 31.08.2026"
Monat,Kampagne,Anzeigengruppe,Währungscode,Impressionen,Klicks,Kosten,Conversions
01.07.2026,Dachziegel,Ton,EUR,"2.100",61,"48,20","3,00"
01.08.2026,Dachziegel,Ton,EUR,"1.900",55,"41,05","2,00"
Gesamt: Konto,,,EUR,"4.000",116,"89,25","5,00"
"""

# Microsoft Advertising campaign report aggregated by month: one "Time period" column, the preamble says monthly.
MICROSOFT_EN_CAMPAIGNS_MONTHLY = (
    '"Report Name: Campaign Performance Report"\n'
    '"Report Time: 7/1/2026,8/31/2026"\n'
    '"Time Zone: (GMT+01:00) Brussels, Copenhagen, Madrid, Paris"\n'
    '"Report Aggregation: Monthly"\n'
    '"Rows: 2"\n'
    "\n"
    "Time period\tCampaign name\tImpressions\tClicks\tSpend\tConversions\tCurrency code\n"
    "7/1/2026\tBricks\t4,100\t90\t71.40\t4\tEUR\n"
    "8/1/2026\tBricks\t3,900\t85\t66.10\t3\tEUR\n"
    "Total\t-\t8,000\t175\t137.50\t7\t-\n"
    "\n"
    "\u00a92026 Microsoft Corporation. All rights reserved. \n"
)


# Google Ads, English, ad group report without days: status first, " --" in the columns a Performance Max row
# cannot fill, the total lines' label in the first column.
GOOGLE_EN_AD_GROUPS_PERIOD = """Ad group report
"January 5, 2026 - February 3, 2026"
Ad group status,Campaign,Ad group,Status,Status reasons,Currency code,Default max. CPC,Ad group type,Impr.,Interactions,Interaction rate,Avg. cost,Cost,Clicks,Conversions
Enabled,S_Tiles_ES,Adhesives,Eligible,,EUR,0.90,Standard,"1,609",94,5.84%,0.80,75.25,94,5.00
Paused,S_Tiles_ES,Samples,Paused,ad group paused,EUR,0.70,Standard,40,3,7.50%,0.70,2.10,3,0.00
Enabled,S_Tiles_ES,Grout,Eligible (Limited),low quality,EUR,1.20,Standard,"2,050",57,2.78%,17.62,1004.60,57,0.50
Total: Ad groups,,, --,,EUR, --, --,"3,699",154,4.16%,7.01,1081.95,154,5.50
Total: Account,,,,,EUR,,,"3,699",154,4.16%,7.01,1081.95,154,5.50
"""

# Google Ads, English, campaign report of an account whose campaigns share budgets: "Budget name" names the shared
# budget (a campaign's own budget has none: " --"), the Budget column repeats the shared amount on each campaign.
GOOGLE_EN_CAMPAIGNS_SHARED_BUDGETS = """Campaign report
"January 5, 2026 - February 3, 2026"
Campaign status,Campaign,Budget,Budget name,Budget type,Currency code,Status,Status reasons,Campaign type,Impr.,Interactions,Cost,Clicks,Conversions
Enabled,Grout_North,40.00,Grout shared budget,Daily,EUR,Eligible,,Search,"3,100",140,101.50,140,4.00
Enabled,Grout_South,40.00,Grout shared budget,Daily,EUR,Eligible,,Search,"2,020",95,70.25,95,2.00
Enabled,Sealer_ES,12.50, --,Daily,EUR,Eligible,,Search,800,31,22.10,31,1.00
Total: Campaigns, --, --, --, --,EUR, --,, --,"5,920",266,193.85,266,7.00
Total: Account,,,,,EUR,,,,"5,920",266,193.85,266,7.00
"""

# Microsoft Advertising campaign performance report, summary: campaign status, type and shared budget name; it has
# no budget amount column, so a campaign's daily budget stays unknown after it.
MICROSOFT_EN_CAMPAIGNS_PERIOD = (
    '"Report Name: Campaign Performance Report"\n'
    '"Report Time: 1/1/2026,1/31/2026"\n'
    '"Time Zone: (GMT+01:00) Brussels, Copenhagen, Madrid, Paris"\n'
    '"Last Completed Available Day: 2/3/2026 11:59:59 PM"\n'
    '"Last Completed Available Hour: 2/3/2026 11:00:00 PM"\n'
    '"Report Aggregation: Summary"\n'
    '"Report Filter: "\n'
    '"Potential Incomplete Data: false"\n'
    '"Rows: 3"\n'
    "\n"
    "Account name\tCampaign name\tCampaign status\tCampaign type\tBudget name\tImpressions\tClicks\tSpend\t"
    "Conversions\tCurrency code\n"
    "Tejas Norte\tBricks\tActive\tSearch\t-\t3,195\t72\t51.44\t3\tEUR\n"
    "Tejas Norte\tBricks PMax\tPaused\tPerformance max\t-\t9,800\t41\t30.20\t1\tEUR\n"
    "Tejas Norte\tRoof tiles\tActive\tSearch\tNorth shared\t1,200\t22\t18.75\t0\tEUR\n"
    "Total\t-\t-\t-\t-\t14,195\t135\t100.39\t4\t-\n"
    "\n"
    "\u00a92026 Microsoft Corporation. All rights reserved. \n"
)


# Google Ads, English, campaign report of Video and Demand Gen campaigns in INR: no Clicks column (Interactions
# only), " --" optimization scores, a "Campaign Total" budget on an ended campaign, "(Platform Comparable)"
# conversion columns beside Conversions, and one total line per campaign type.
GOOGLE_EN_CAMPAIGNS_VIDEO_DEMAND_GEN = """Campaign report
"March 2, 2026 - March 29, 2026"
Campaign status,Campaign,Budget,Budget name,Budget type,Status,Status reasons,Optimization score,Campaign type,Currency code,TrueView avg. CPV,Avg. CPM,Impr.,Interactions,Interaction rate,Avg. cost,Cost,Conv. (Platform Comparable),Cost / Conv. (Platform Comparable),Conv. value / Cost (Platform Comparable),Conv. rate,Conversions,Cost / conv.
Enabled,Tiles video - 2026-03-02,4000.00, --,Campaign Total,Ended,campaign ended; unknown, --,Video,INR,0.10,70.12,"31,204","18,950",60.73%,0.12,2188.02,0.00,0,0.00,0.00%,0.00,0.00
Enabled,DG-grout-north,600.00, --,Daily,Not eligible,All ad groups paused; All ads paused, --,Demand Gen,INR,0.98,50.40,"17,500","1,610",9.20%,0.55,882.00,12.00,73.50,0.03,0.75%,12.00,73.50
Total: Campaigns, --, --, --, --, --,, --, --,INR,0.16,63.10,"48,704","20,560",42.21%,0.15,3070.02,12.00,255.84,0.01,0.06%,12.00,255.84
Total: Account,,,,,,,,,INR,0.16,63.10,"48,704","20,560",42.21%,0.15,3070.02,12.00,255.84,0.01,0.06%,12.00,255.84
Total: Video,,,,,,,,Video,INR,0.10,70.12,"31,204","18,950",60.73%,0.12,2188.02,0.00,0,0.00,0.00%,0.00,0.00
Total: Demand Gen,,,,,,,,Demand Gen,INR,0.98,50.40,"17,500","1,610",9.20%,0.55,882.00,12.00,73.50,0.03,0.75%,12.00,73.50
"""

# Google Ads, English, campaign report of Smart campaigns: names in another script, a campaign with no traffic
# (" --" CTR), Clicks after Cost, and a "Total: Smart" line carrying its type in the Campaign type column.
GOOGLE_EN_CAMPAIGNS_SMART = """Campaign report
"March 2, 2026 - March 29, 2026"
Campaign status,Campaign,Budget,Budget name,Budget type,Status,Status reasons,Campaign type,Impr.,CTR,Currency code,Cost,Clicks,Conv. rate,Conversions,Avg. CPC,Cost / conv.
Enabled,plakakia-north.gr,0.70, --,Daily,Eligible,,Smart,"1,120",2.50%,EUR,19.88,28,3.57%,1.00,0.71,19.88
Enabled,Πλακάκια Μπάνιου Πάτρα,0.45, --,Daily,Eligible,,Smart,0, --,EUR,0.00,0,0.00%,0.00,0,0.00
Total: Campaigns, --, --, --, --, --,, --,"1,120",2.50%,EUR,19.88,28,3.57%,1.00,0.71,19.88
Total: Account,,,,,,,,"1,120",2.50%,EUR,19.88,28,3.57%,1.00,0.71,19.88
Total: Smart,,,,,,,Smart,"1,120",2.50%,EUR,19.88,28,3.57%,1.00,0.71,19.88
"""

# Google Ads, English, search terms over "All time" of an account with a Performance Max campaign: no Keyword
# column, Interactions and no Clicks, Campaign type after Cost. The Performance Max campaign's terms are not in
# the list, so "Search terms" + "Other search terms" make "Total: Search", and the account is that plus
# "Total: Performance Max".
GOOGLE_EN_SEARCH_TERMS_ALL_TIME_PMAX_ACCOUNT = """Search terms report
All time
Search term,Match type,Added/Excluded,Campaign,Ad group,Impr.,Interactions,Interaction rate,Currency code,Avg. cost,Cost,Campaign type,Conv. rate,Conversions,Cost / conv.
grout for shower tiles,Broad match,Excluded,S_Grout,Ad group 1,3,1,33.33%,EUR,0.84,0.84,Search,0.00%,0.00,0.00
grout pen white,Phrase match (close variant),None,S_Grout,Ad group 1,40,3,7.50%,EUR,0.62,1.86,Search,33.33%,1.00,1.86
epoxy grout,Exact match,Added,S_Grout,Ad group 1,12,2,16.67%,EUR,1.10,2.20,Search,0.00%,0.00,0.00
grout colour chart,Exact match (close variant),None,S_Grout,Ad group 1,1,0,0.00%,EUR,0,0.00,Search,0.00%,0.00,0.00
Total: Search terms,,,,,56,6,10.71%,EUR,0.82,4.90,,16.67%,1.00,4.90
Total: Other search terms,,,,,31,4,12.90%,EUR,0.90,3.61,,0.00%,0.00,0.00
Total: Account,,,,,"2,087",31,1.49%,EUR,0.38,11.71,,3.23%,1.00,11.71
Total: Search,,,,,87,10,11.49%,EUR,0.85,8.51,Search,10.00%,1.00,8.51
Total: Performance Max,,,,,"2,000",21,1.05%,EUR,0.15,3.20,Performance Max,0.00%,0.00,0.00
"""

# Google Ads, English, campaign report with the Week segment and a total line per week, the week in its column
# and the label in the next. No real file of this layout was found to study; it follows a written account of
# real segmented downloads ("each day has its own total lines; the days' totals add up to the period's"), so the
# reader must take such a line as a total whichever column holds its label.
GOOGLE_EN_CAMPAIGNS_BY_WEEK_WITH_WEEK_TOTALS = """Campaign report
"August 31, 2026 - September 13, 2026"
Week,Campaign,Campaign type,Currency code,Impr.,Clicks,Cost,Conversions
2026-08-31,Roof tiles,Search,EUR,"1,310",44,33.10,1.00
2026-08-31,PMax_Tiles,Performance Max,EUR,900,12,9.05,0.50
2026-08-31,Total: Account,,EUR,"2,210",56,42.15,1.50
2026-09-07,Roof tiles,Search,EUR,980,30,25.00,0.25
2026-09-07,PMax_Tiles,Performance Max,EUR,410,5,4.40,0.00
2026-09-07,Total: Account,,EUR,"1,390",35,29.40,0.25
"""
