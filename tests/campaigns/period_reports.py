"""Reports segmented by Week, Month, Quarter or Year, laid out as the platforms download them (invented accounts
and figures; every total line adds up to the rows above it).

Google Ads writes a Week, Month or Quarter segment cell as the period's first day ("2024-01-15"; the
``segments.week`` / ``segments.month`` / ``segments.quarter`` values of its API) or, as shown on screen and in
some downloads, written out: "Jan 15, 2024" (quoted: it holds a comma), "January 2024", "Q1 2024". Microsoft
Advertising says above the header what its "Time period" cells stand for ("Report Aggregation: Weekly"), or
names the column itself ("Week", "Month").
"""

# ruff: noqa: E501 - report rows are kept whole, as the platforms write them

from __future__ import annotations

# Google Ads, English, search terms with the Week segment written out, the first column quoted; an exact match
# and its close variant listed apart; the totals' label in the first column.
GOOGLE_EN_SEARCH_TERMS_BY_WEEK_WRITTEN = '''Search terms report
"January 15, 2024 - January 28, 2024"
Week,Search term,Match type,Added/Excluded,Campaign,Ad group,Keyword,Currency code,Impr.,Clicks,Cost,Conversions
"Jan 15, 2024",grout sealer,Exact match,None,S_Grout,Sealers,[grout sealer],EUR,"1,020",31,24.18,2.00
"Jan 15, 2024",grout sealer,Exact match (close variant),None,S_Grout,Sealers,[grout sealer],EUR,210,6,4.02,0.00
"Jan 22, 2024",grout sealer,Exact match,None,S_Grout,Sealers,[grout sealer],EUR,980,27,21.60,1.00
"Jan 22, 2024",white grout sealer,Phrase match,Added,S_Grout,Sealers,"""grout sealer""",EUR,145,4,3.12,0.00
Total: Search terms,,,,,,,EUR,"2,355",68,52.92,3.00
Total: Account,,,,,,,EUR,"2,355",68,52.92,3.00
'''

# Google Ads, English, campaign report with the Month segment: "{jan}", "{feb}" and "{mar}" stand for the cells,
# written in each of the ways the tests try.
GOOGLE_EN_CAMPAIGNS_BY_MONTH = """Campaign report
"January 1, 2024 - March 31, 2024"
Month,Campaign,Campaign type,Currency code,Impr.,Clicks,Cost,Conversions
{jan},Roof tiles,Search,EUR,"4,100",120,96.40,5.00
{feb},Roof tiles,Search,EUR,"3,870",111,90.05,4.50
{mar},Roof tiles,Search,EUR,"4,420",131,104.90,6.00
Total: Campaigns,,,EUR,"12,390",362,291.35,15.50
"""

# Google Ads, English, campaign report with the Quarter segment, two campaign types; "{q1}" and "{q2}" stand
# for the cells.
GOOGLE_EN_CAMPAIGNS_BY_QUARTER = """Campaign report
"January 1, 2024 - June 30, 2024"
Quarter,Campaign,Campaign type,Currency code,Impr.,Clicks,Cost,Conversions
{q1},Roof tiles,Search,EUR,"12,400",352,281.60,14.00
{q1},PMax_Tiles,Performance Max,EUR,"30,050",410,198.75,9.50
{q2},Roof tiles,Search,EUR,"11,980",340,270.15,12.00
{q2},PMax_Tiles,Performance Max,EUR,"28,700",395,190.30,8.00
Total: Account,,,EUR,"83,130","1,497",940.80,43.50
"""

# Google Ads, Spanish, ad group report with the Year segment over two years, comma decimals.
GOOGLE_ES_AD_GROUPS_BY_YEAR = """Informe de grupos de anuncios
"1 ene 2023 - 31 dic 2024"
Año,Campaña,Grupo de anuncios,Código de moneda,Impr.,Clics,Coste,Conversiones
2023,Cemento,Cemento cola,EUR,"51.200","1.410","1.102,35","61,00"
2024,Cemento,Cemento cola,EUR,"48.760","1.388","1.209,90","70,50"
Total: cuenta,,,EUR,"99.960","2.798","2.312,25","131,50"
"""

# Microsoft Advertising search term report aggregated by week, the column named "Week", UTF-8 with a BOM,
# comma-separated and quoted as its CSV download writes it, the preamble above and the © line below.
MICROSOFT_EN_SEARCH_TERMS_WEEKLY = (
    "\ufeff"
    '"Report Name: Search Term Report"\n'
    '"Report Time: 1/15/2024,1/28/2024"\n'
    '"Time Zone: (GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"\n'
    '"Last Completed Available Day: 2/1/2024 11:59:59 PM"\n'
    '"Report Aggregation: Weekly"\n'
    '"Report Filter: "\n'
    '"Potential Incomplete Data: false"\n'
    '"Rows: 3"\n'
    "\n"
    '"Week","Account name","Campaign name","Ad group","Search term","Keyword","Delivered match type","Impressions","Clicks","Spend","Conversions","Currency code"\n'
    '"1/15/2024","Tejas Norte","Bricks","Face bricks","red face brick","face brick","Phrase","1,204","33","27.06","2","EUR"\n'
    '"1/15/2024","Tejas Norte","Bricks","Face bricks","face brick","face brick","Exact","640","19","15.20","1","EUR"\n'
    '"1/22/2024","Tejas Norte","Bricks","Face bricks","red face brick","face brick","Phrase","1,150","29","24.35","0","EUR"\n'
    '"Total","-","-","-","-","-","-","2,994","81","66.61","3","-"\n'
    "\n"
    '"\u00a92024 Microsoft Corporation. All rights reserved. "\n'
)

# Microsoft Advertising campaign report with a "Month" column ({m1}, {m2} stand for its cells), tab-separated
# (its "Excel" download, encoded UTF-16).
MICROSOFT_EN_CAMPAIGNS_MONTH_COLUMN = (
    '"Report Name: Campaign Performance Report"\n'
    '"Report Time: 1/1/2024,2/29/2024"\n'
    '"Time Zone: (GMT-05:00) Eastern Time (US & Canada)"\n'
    '"Report Aggregation: Monthly"\n'
    '"Rows: 2"\n'
    "\n"
    "Month\tCampaign name\tCampaign status\tImpressions\tClicks\tSpend\tConversions\tCurrency code\n"
    "{m1}\tBricks\tActive\t9,800\t212\t180.44\t9\tUSD\n"
    "{m2}\tBricks\tActive\t9,150\t198\t171.06\t7\tUSD\n"
    "Total\t-\t-\t18,950\t410\t351.50\t16\t-\n"
    "\n"
    "\u00a92024 Microsoft Corporation. All rights reserved. \n"
)

# Microsoft Advertising campaign report aggregated by year: one "Time period" column holding the year.
MICROSOFT_EN_CAMPAIGNS_YEARLY = (
    '"Report Name: Campaign Performance Report"\n'
    '"Report Time: 1/1/2023,12/31/2024"\n'
    '"Time Zone: (GMT+01:00) Brussels, Copenhagen, Madrid, Paris"\n'
    '"Report Aggregation: Yearly"\n'
    '"Rows: 2"\n'
    "\n"
    "Time period\tCampaign name\tImpressions\tClicks\tSpend\tConversions\tCurrency code\n"
    "2023\tBricks\t61,000\t1,320\t1,044.10\t51\tEUR\n"
    "2024\tBricks\t58,400\t1,290\t1,101.95\t48\tEUR\n"
    "Total\t-\t119,400\t2,610\t2,146.05\t99\t-\n"
    "\n"
    "\u00a92024 Microsoft Corporation. All rights reserved. \n"
)
