"""A second demo account, of another industry: a US solar installer with a Spanish-language campaign.

Written by hand to look like a real search-terms report: brands (its own and others'), product models, places,
misspellings, run-together words and Spanish. The ad-group names copy the real account described in issue 19.
"""

from __future__ import annotations

BRAND = "SunPeak Solar LLC"
CAMPAIGNS = {1: "Solar - Search", 2: "Brand", 3: "Paneles Solares - ES"}
# ad group id: (campaign id, name, keywords)
AD_GROUPS = {
    101: (1, "Solar Quotes/Estimates", ("solar quote", "solar estimate", "solar panel cost", "solar")),
    102: (1, "Home/Residential Solar", ("solar panels for home", "residential solar", "home solar system")),
    103: (1, "TX - Austin", ("solar austin", "solar installers austin", "austin solar company")),
    104: (1, "CA - NEM 3.0", ("nem 3.0", "nem 3 solar", "net metering california")),
    105: (1, "Batteries", ("solar battery", "tesla powerwall", "enphase battery", "home battery backup", "battery")),
    201: (2, "SunPeak Brand", ("sunpeak solar", "sunpeak")),
    301: (3, "Paneles solares", ("paneles solares", "placas solares precio", "energia solar casa", "solar")),
}

# (search term, serving ad group, clicks, cost in dollars, conversions)
TERMS = [
    # converting
    ("solar quote", 101, 40, 120, 5.0),
    ("solar panel cost calculator", 101, 30, 90, 2.0),
    ("how much do solar panels cost", 101, 50, 140, 3.0),
    ("solar panels for home cost", 102, 35, 110, 3.0),
    ("residential solar installers near me", 102, 20, 70, 2.0),
    ("solar austin tx", 103, 15, 60, 2.0),
    ("best solar company in austin", 103, 12, 48, 1.0),
    ("nem 3.0 solar battery", 104, 10, 40, 1.0),
    ("tesla powerwall price", 105, 25, 100, 2.0),
    ("sunpeak solar reviews", 201, 8, 10, 2.0),
    ("paneles solares para casa precio", 301, 20, 30, 2.0),
    ("placas solares", 301, 15, 20, 1.0),
    # relevant, not (yet) converting: the advertiser's own theme
    ("solar quotes", 101, 6, 18, 0.0),
    ("solar estimate free", 101, 5, 15, 0.0),
    ("solar qoutes online", 101, 4, 12, 0.0),
    ("solar panels 400w", 101, 7, 14, 0.0),
    ("solar panels for home", 102, 8, 25, 0.0),
    ("solar panels home", 101, 9, 27, 0.0),
    ("home solar sytem", 102, 3, 9, 0.0),
    ("solar austin", 103, 6, 20, 0.0),
    ("austin solar rebates", 103, 5, 16, 0.0),
    ("san marcos tx solar", 103, 4, 12, 0.0),
    ("nem3", 104, 3, 9, 0.0),
    ("nem 3 explained", 104, 4, 10, 0.0),
    ("enphase iq battery 5p", 105, 6, 20, 0.0),
    ("lg chem resu battery", 105, 3, 10, 0.0),
    ("powerwall 3 vs enphase", 105, 5, 18, 0.0),
    ("sunpeak", 201, 5, 6, 0.0),
    ("sun peak solar", 201, 3, 4, 0.0),
    ("sunpeek solar", 201, 2, 3, 0.0),
    ("sunpeak solar careers", 201, 4, 5, 0.0),
    ("energía solar para casa", 301, 6, 9, 0.0),
    ("paneles solares baratos", 301, 8, 11, 0.0),
    ("instalacion de placas solares", 301, 5, 8, 0.0),
]
WASTE_TERMS = [
    # waste: another meaning of "solar", another product, a job, a joke
    ("solar system planets", 101, 60, 30, 0.0),
    ("solar system for kids", 102, 40, 22, 0.0),
    ("solar eclipse 2026", 101, 45, 25, 0.0),
    ("solar eclipse glasses", 101, 35, 20, 0.0),
    ("solarwinds login", 101, 25, 15, 0.0),
    ("solar panel installer jobs", 102, 30, 24, 0.0),
    ("solar jobs austin", 103, 20, 16, 0.0),
    ("austin weather", 103, 30, 12, 0.0),
    ("austin powers movie", 103, 20, 9, 0.0),
    ("tesla model 3 lease", 105, 40, 60, 0.0),
    ("tesla stock price", 105, 35, 40, 0.0),
    ("car battery replacement", 105, 30, 33, 0.0),
    ("aa battery bulk", 105, 25, 15, 0.0),
    ("diy solar generator minecraft", 101, 20, 8, 0.0),
    ("solar lights outdoor", 102, 45, 27, 0.0),
    ("trabajo instalador placas solares", 301, 20, 10, 0.0),
    ("crema solar spf 50", 301, 50, 20, 0.0),
    ("protector solar facial", 301, 40, 18, 0.0),
    ("panel solar para celular", 301, 25, 12, 0.0),
]
WASTE = {text for text, _g, _c, _cost, _conv in WASTE_TERMS}
TERMS += WASTE_TERMS
