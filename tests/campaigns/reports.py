"""Report files as the platforms write them, for the import tests."""

# ruff: noqa: E501 - report rows are kept whole, as the platforms write them

from __future__ import annotations

GOOGLE_ES_SEARCH_TERMS = '''Informe de términos de búsqueda
1 de septiembre de 2026 - 2 de septiembre de 2026
Término de búsqueda,Tipo de concordancia,Añadido/Excluido,Campaña,Grupo de anuncios,Palabra clave,Día,Clics,Impr.,Código de moneda,Coste,Conversiones,Valor de conv.,Tasa de conv.
cemento cola,Concordancia exacta,Ninguno,Cemento,Cemento cola,[cemento cola],2026-09-01,12,"1.234",EUR,"12,50 €",1,"180,00","8,33 %"
cemento dental,Concordancia amplia,Ninguno,Cemento,Cemento gris,cemento,2026-09-01,3,40,EUR,"4,10",0,"0,00",0 %
cemento cola,Concordancia exacta,Ninguno,Cemento,Cemento cola,[cemento cola],2026-09-02,7,"1.001",EUR,"1.003,07 €","2,5","2.000,00","35,71 %"
ladrillos lego,Concordancia de frase,Ninguno,Ladrillos,Ladrillo cara vista,"""ladrillos""",2026-09-02,5,90,EUR,--,0,--,0 %
Total: cuenta,,,,,,--,27,"2.365",EUR,"1.019,67",3.5,"2.180,00",
Total: campañas,,,,,,--,27,"2.365",EUR,"1.019,67",3.5,"2.180,00",
'''

MICROSOFT_EN_KEYWORDS = (
    '"Report Name: Keyword performance"\n'
    '"Report Time: 9/3/2026 10:00:00 AM"\n'
    '"Time Zone: (GMT+01:00) Brussels, Copenhagen, Madrid, Paris"\n'
    '"Last Completed Available Day: 9/2/2026 11:59:59 PM"\n'
    '"Report Aggregation: Daily"\n'
    '"Report Filter: "\n'
    '"Potential Incomplete Data: false"\n'
    '"Rows: 3"\n'
    "\n"
    "Gregorian date\tCampaign name\tAd group name\tKeyword\tBid match type\tImpressions\tClicks\tSpend\t"
    "Conversions\tRevenue\tCurrency code\n"
    "9/1/2026\tBricks\tFace bricks\tface brick\tExact\t1,200\t30\t21.30\t2\t840.00\tEUR\n"
    "9/1/2026\tBricks\tFace bricks\tbrick price\tPhrase\t800\t12\t9.05\t0\t0.00\tEUR\n"
    "9/2/2026\tBricks\tFace bricks\tface brick\tExact\t1,100\t28\t19.99\t1\t410.50\tEUR\n"
    "\n"
    "\u00a92026 Microsoft Corporation. All rights reserved.\n"
)

GOOGLE_EN_CAMPAIGNS = """Campaign report
September 1, 2026 - September 2, 2026
Campaign,Campaign ID,Day,Budget,Currency code,Impr.,Clicks,Cost,Conversions,Conv. value
Roof tiles,9012,2026-09-01,20.00,EUR,"1,500",45,30.15,2.00,900.00
Roof tiles,9012,2026-09-02,20.00,EUR,"1,410",40,28.80,1.00,450.00
Total: Account,,--,,EUR,"2,910",85,58.95,3.00,"1,350.00"
"""


def replace_line(text: str, line_number: int, new_line: str) -> str:
    lines = text.split("\n")
    lines[line_number - 1] = new_line
    return "\n".join(lines)
