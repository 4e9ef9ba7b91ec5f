"""Word lists and claim patterns for the ad judge (``bench/ad_judge.py``), written for it and kept apart from the
generator's own rules so that the judge measures the generator instead of agreeing with it.

Every pattern runs on *folded* text: lower case, accents removed, so ``envío`` and ``envio`` are one word.
"""

from __future__ import annotations

import re

# Words a line must not end on: an article, preposition, conjunction or possessive promises a word that the width
# limit cut off. "más" ends "y mucho más" / "and more" on purpose, so it is dangling only after a preposition.
DANGLING = {
    "es": frozenset(
        """
        y e o u ni de del la el lo los las un una unos unas para con en por a al que sin tu tus su sus mi mis
        nuestro nuestra nuestros nuestras vuestro vuestra este esta estos estas ese esa esos esas se le les nos
        te me como desde hasta hacia entre sobre tras segun cada muy tan cual cuyo cuya donde cuando pero sino
        mas primer tercer gran buen mal algun ningun cualquier
        """.split()
    ),
    "en": frozenset(
        """
        the a an and or nor but with for to of in on at your our my their its his her by from into onto as
        than that which who whose this these those is are was were be will can very most every each per via
        so if about without within through between
        """.split()
    ),
}
# "y mucho más", "and more", "y más": complete endings although their last word is on the list above.
COMPLETE_ENDINGS = re.compile(r"(?:\b(?:mucho|y|muchos|and|much|many|y mucho|o)\s+(?:mas|more)|\bmore)$")

STOP_WORDS = {
    "es": DANGLING["es"]
    | frozenset(
        """
        es son ser esta estan hay ha han fue soy eres somos muy mas menos ya no si tambien todo toda todos todas
        otro otra otros otras mismo misma aqui ahi alli hoy ahora siempre nunca algo nada usted ustedes tu te
        ti yo el ella ellos ellas nosotros vosotros lo le
        """.split()
    ),
    "en": DANGLING["en"]
    | frozenset(
        """
        is are be been being am do does did have has had it its we you they he she i me us them not no yes all
        any some more less just only also too up out off then there here what when where how why will would
        shall should could may might must own same other such
        """.split()
    ),
}

# Units and symbols that follow numbers; they count as spelled words.
UNITS = frozenset(
    """
    kg g gr grs mg l lt ml cl cm mm m m2 m3 km h hr hrs min mins seg s lb lbs oz ft in x pm am k gb mb tb w kw kwh
    v mah mp hp cc pcs pzs uds ud u o a th st nd rd
    """.split()
)

# Words that measure a number: "15" where the brief says "15 minutos" was cut from its unit.
MEASURES = frozenset(
    """
    minuto minutos hora horas dia dias semana semanas mes meses ano anos noche noches euros dolares minute minutes
    hour hours day days week weeks month months year years night nights dollars
    """.split()
)

# Written-out numbers, so "dos días" is checked like "2 días". "uno"/"one"/"un" are left out: mostly articles.
NUMBER_WORDS = {
    "es": {
        "dos": "2",
        "tres": "3",
        "cuatro": "4",
        "cinco": "5",
        "seis": "6",
        "siete": "7",
        "ocho": "8",
        "nueve": "9",
        "diez": "10",
        "doce": "12",
        "quince": "15",
        "veinte": "20",
        "treinta": "30",
        "cien": "100",
        "mil": "1000",
    },
    "en": {
        "two": "2",
        "three": "3",
        "four": "4",
        "five": "5",
        "six": "6",
        "seven": "7",
        "eight": "8",
        "nine": "9",
        "ten": "10",
        "twelve": "12",
        "fifteen": "15",
        "twenty": "20",
        "thirty": "30",
        "hundred": "100",
        "thousand": "1000",
    },
}

# Words that fit any business: a line whose only words of the brief are these is generic, not specific.
GENERIC_WORDS = {
    "es": frozenset(
        """
        calidad servicio servicios precio precios mejor mejores profesional profesionales contacto contacta
        contactanos llama llamanos visita visitanos web pagina online linea tienda empresa empresas cliente clientes
        experiencia confianza atencion oferta ofertas hoy ahora aqui solucion soluciones excelente excelencia gran
        grande grandes nuevo nueva nuevos nuevas bueno buena buenos buenas economico barato rapido rapida facil
        compra compras comprar descubre descubra conoce pide pida solicita informacion info ideal perfecto perfecta
        especial especiales unico unica exclusivo exclusiva disponible personalizado personalizada producto
        productos marca equipo expertos experto resultados resultado exito satisfaccion momento mundo opcion
        opciones justo justos asequible increible vez forma manera reserva reservar reserve cita dia dias ano anos
        garantia garantizada garantizado mas todo todos vida tiempo necesitas necesidad necesidades cuidado
        cuidamos ofrecemos tenemos encuentra encuentras tuyo tuya zona ciudad
        """.split()
    ),
    "en": frozenset(
        """
        quality service services price prices pricing best top great professional professionals expert experts
        contact call today now here visit website site online shop store company business businesses customer
        customers client clients experience trust trusted solution solutions excellent new easy fast quick
        affordable cheap low deal deals offer offers buy order get discover learn find info information ideal
        perfect special unique exclusive available need needs help team results satisfaction guaranteed way choice
        option options amazing day days book booking schedule appointment appointments year years care caring
        product products brand local near area life time more everything anything reliable friendly value
        """.split()
    ),
}

# Products of the generator's few-shot examples and of the demo catalog (issue 17 names yoga and cement): a line
# about them for another brief was copied from the prompt.
FOREIGN_WORDS = frozenset(
    """
    cemento cementos cement portland mortero morteros mortar ladrillo ladrillos brick bricks varilla varillas rebar
    azulejo azulejos tile tiles yoga
    """.split()
)

# Text that belongs to no ad: calls to click, placeholders, links, template and list markers.
BOILERPLATE = re.compile(
    r"click here|haz clic|haga clic|clic aqui|clica aqui|pincha aqui|lorem|ipsum|www\.|https?:|\.com\b|\{|\}|\[|\]"
    r"|<|>|\||\\|\bheadline\b|\btitular\b|\bkeyword\b|\bpalabra clave\b|\bdescription:|\bdescripcion:"
    r"|\bmax\.? \d+ (?:caracteres|characters|chars)\b"
    r"|\b(?:titulos|titulares|headlines?|descripciones|descriptions?|keywords?|palabras clave)\s*(?:\(.*\))?\s*:"
    r"|^\s*(?:\d+[.)]|[-*•])\s|\bxxx\b|\binsert\b|\binserta\b|\btu marca\b|\byour brand\b|\bbrand name\b"
)

# A claim the brief has to make before an ad may: (code, pattern on folded text). A line carrying a claim is true
# only when the same code's pattern also matches the folded brief.
# "gluten-free", "dust free": without an ingredient, not a price. The judge rewrites them to "glutenless" first.
INGREDIENT_FREE = re.compile(
    r"\b(gluten|sugar|dust|fragrance|cruelty|lactose|fat|alcohol|parabens?|bpa|caffeine|nut|dairy|hands)[- ]free\b"
)
CLAIMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(pattern))
    for code, pattern in (
        (
            "free_shipping",
            r"envios? gratis|envios? gratuitos?|portes gratis|sin gastos de envio|free (?:shipping|delivery|returns)"
            r"|ships? free|devolucion(?:es)? gratis",
        ),
        (
            "free",
            r"\bgratis\b|\bgratuit[oa]s?\b|sin coste|sin costo|sin cargo|no cost|at no charge|free of charge"
            r"|(?<![\w-])free\b(?!-)",
        ),
        (
            "delivery",
            r"\benvios?\b|\benviamos\b|\bentregas?\b|\bentregamos\b|\breparto\b|\bshipping\b|\bships?\b|\bshipped\b"
            r"|\bdeliver(?:y|ed|s|ies)?\b",
        ),
        (
            "fast",
            r"mismo dia|en el dia|same[- ]day|next[- ]day|\bexpress\b|\burgen\w*|\bemergenc\w*|\binmediat\w*"
            r"|\binstant\w*|al instante|en minutos|in minutes|\brapid\w*|\bfast\w*|\bquick\w*|\b24 ?h\b|24 horas"
            r"|24/7|en \d+ (?:minutos|horas|h)\b|(?:in|within) \d+ (?:minutes|hours|h)\b|\bsame[- ]week\b",
        ),
        ("guarantee", r"\bgarantia\w*|\bgarantiz\w*|\bguarantee\w*|\bwarrant\w*"),
        (
            "certified",
            r"\bcertifica\w*|\bcertified\b|\bacredita\w*|\baccredit\w*|\bhomologad\w*|\blicensed\b|\blicenciad\w*"
            r"|\bcolegiad\w*|\binsured\b|\btitulad\w*|\biso ?\d{3,5}\b",
        ),
        (
            "best",
            r"\bmejor(?:es)?\b|\bbest\b|#1\b|\bn[o°º] ?1\b|\bnumero (?:1|uno)\b|\bnumber (?:1|one)\b|\blider(?:es)?\b"
            r"|\bleader\w*|\bleading\b|\btop\b|mas vendid\w*|best[- ]?sell\w*",
        ),
        ("official", r"\boficial\w*|\bofficial\w*|\bauthori[sz]ed\b|\bautorizad\w*"),
        (
            "discount",
            r"\bdescuentos?\b|\brebaja\w*|\bofertas?\b|\bpromocion\w*|\bpromos?\b|\b2x1\b|\b3x2\b|\bcupon\w*"
            r"|% dto|precio especial|\bliquidacion|\bdiscount\w*|\bdeals?\b|special offers?|\bsale\b|% off"
            r"|\bcoupon\w*|limited[- ]time|black friday",
        ),
        ("savings", r"\bahorr\w*|\bsave\b|\bsaves\b|\bsavings\b"),
        (
            "cheap",
            r"\bbarat\w*|\beconomic[oa]s?\b|\basequible\w*|low[- ]cost|\bcheap\w*|\baffordabl\w*|low prices?"
            r"|precios? bajos?|\blowest\b",
        ),
        ("award", r"\bpremiad\w*|\bpremios?\b|\bgalardon\w*|\baward\w*|\bprize\w*"),
        (
            "eco",
            r"\beco\b|\becologic\w*|\borganic\w*|\borganico\w*|\bbio\b|\bbiologic\w*|\bsostenible\w*|\bsustainab\w*"
            r"|eco-friendly|\breciclad\w*|\brecycl\w*|\bcompostable\b|zero waste|residuo cero",
        ),
        ("natural", r"\bnatural(?:es)?\b|\bvegan\w*|\bvegetal\w*|plant-based|cruelty|no testado"),
        ("handmade", r"\bartesan\w*|hechos? a mano|hand[- ]?made|handcrafted|\bartisan\w*|\bcaser[oa]s?\b|homemade"),
        (
            "no_commitment",
            r"sin compromiso|sin permanencia|no contracts?|cancel anytime|no obligation|sin ataduras|no commitment",
        ),
        (
            "financing",
            r"\bfinancia\w*|\bfinancing\b|\bfinanced\b|sin intereses|interest[- ]free|a plazos|payment plans?"
            r"|\binstal?lments?\b|\$0 down",
        ),
        (
            "experience",
            r"anos de experiencia|years of experience|years in business|\bdecadas\b|\bdecades\b|since \d{4}"
            r"|desde \d{4}",
        ),
        (
            "coverage",
            r"toda espana|todo el pais|\bnationwide\b|\bworldwide\b|\binternacional\w*|\binternational\w*"
            r"|\bnacional\w*|\bnational\b",
        ),
    )
)
