"""The demo account: campaigns, ad groups, keywords, ads and the search terms people type.

Each search term carries its own rates: ``cvr`` 0 marks the classic waste of the trade (dental cement, toy
bricks, medical plaster, video-game blocks, jobs, DIY tutorials).

The story of the seed: the marketer's budgets follow habit, not returns. Cement and insulation sell and run out of
budget long before they run out of searches; bricks, plasterboard and tiles have far more budget than buying
searches, so their money goes on ever dearer clicks and on the waste (toy bricks, video-game blocks, jobs).
Rebalancing moves budget from the latter to the former.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Term:
    text: str
    keyword: str  # the keyword (Google syntax: [exact], "phrase", broad) that it triggered
    daily_impressions: float
    ctr: float
    cvr: float
    cpc: float  # euros


@dataclass(frozen=True)
class Group:
    name: str
    headlines: tuple[str, ...]
    descriptions: tuple[str, ...]
    path: tuple[str, str]
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    daily_budget: float  # euros
    order_value: float  # euros, average
    groups: tuple[Group, ...] = field(default_factory=tuple)
    volume: float = 2.0  # the terms' daily impressions are multiplied by this (how big the market is)


def _t(text: str, keyword: str, imp: float, ctr: float, cvr: float, cpc: float) -> Term:
    return Term(text, keyword, imp, ctr, cvr, cpc)


CATALOG: tuple[CampaignSpec, ...] = (
    CampaignSpec(
        "Cemento - Búsqueda",
        40.0,
        180.0,
        (
            Group(
                "Cemento cola",
                ("Cemento Cola Profesional", "Envío a Obra en 24 h", "Precio de Fábrica"),
                (
                    "Cemento cola C2TE para porcelánico y gres. Pide hoy y recíbelo en obra.",
                    "Fabricantes desde 1975. Descuentos por palé y asesoría técnica gratis.",
                ),
                ("cemento", "cola"),
                (
                    _t("cemento cola", "[cemento cola]", 60, 0.07, 0.06, 0.55),
                    _t("cemento cola porcelanico", '"cemento cola"', 35, 0.08, 0.07, 0.60),
                    _t("comprar cemento cola saco", '"cemento cola"', 20, 0.09, 0.09, 0.58),
                    _t("cemento dental", "cemento", 30, 0.05, 0.0, 0.45),
                    _t("cemento para dientes", "cemento", 14, 0.04, 0.0, 0.40),
                ),
            ),
            Group(
                "Cemento gris",
                ("Cemento Gris en Saco 25 kg", "Calidad CEM II Certificada", "Pide Online Hoy"),
                (
                    "Cemento Portland gris para obra y reforma. Stock permanente y envío rápido.",
                    "Compra por saco o por palé. Atención técnica de lunes a sábado.",
                ),
                ("cemento", "gris"),
                (
                    _t("cemento gris saco 25 kg", "[cemento gris]", 45, 0.08, 0.08, 0.50),
                    _t("precio saco cemento", '"saco cemento"', 55, 0.06, 0.05, 0.48),
                    _t("cemento portland", "cemento portland", 30, 0.05, 0.04, 0.52),
                    _t("trabajo en fabrica de cemento", "cemento", 18, 0.04, 0.0, 0.35),
                    _t("como hacer cemento casero tutorial", "cemento", 22, 0.03, 0.0, 0.30),
                ),
            ),
        ),
        volume=6.0,
    ),
    CampaignSpec(
        "Ladrillos - Búsqueda",
        35.0,
        420.0,
        (
            Group(
                "Ladrillo cara vista",
                ("Ladrillo Cara Vista", "Muestras Gratis en 48 h", "Gran Variedad de Acabados"),
                (
                    "Ladrillo cara vista rojo, blanco y rústico. Pide muestras sin compromiso.",
                    "Fábrica propia en Toledo. Envío a toda la Península por palé.",
                ),
                ("ladrillo", "cara-vista"),
                (
                    _t("ladrillo cara vista", "[ladrillo cara vista]", 40, 0.07, 0.05, 0.70),
                    _t("ladrillo cara vista precio", '"ladrillo cara vista"', 25, 0.08, 0.06, 0.75),
                    _t("ladrillos lego", "ladrillos", 35, 0.06, 0.0, 0.40),
                    _t("ladrillos de juguete para niños", "ladrillos", 16, 0.05, 0.0, 0.38),
                ),
            ),
            Group(
                "Ladrillo hueco",
                ("Ladrillo Hueco Doble", "Precio por Palé", "Entrega en Obra"),
                (
                    "Ladrillo hueco doble y sencillo para tabiquería. Precio de fábrica por palé.",
                    "Calcula tu pedido con nuestro asesor. Entrega en obra en 48-72 horas.",
                ),
                ("ladrillo", "hueco"),
                (
                    _t("ladrillo hueco doble", "[ladrillo hueco doble]", 35, 0.07, 0.06, 0.45),
                    _t("palet ladrillo hueco precio", '"ladrillo hueco"', 20, 0.08, 0.07, 0.50),
                    _t("bloques minecraft", "bloques", 40, 0.05, 0.0, 0.25),
                    _t("oferta empleo albañil", "ladrillo", 15, 0.04, 0.0, 0.30),
                ),
            ),
        ),
    ),
    CampaignSpec(
        "Pladur - Búsqueda",
        30.0,
        260.0,
        (
            Group(
                "Placas de yeso laminado",
                ("Placas de Yeso Laminado", "Pladur al Mejor Precio", "Stock Inmediato"),
                (
                    "Placa de yeso laminado estándar, hidrófuga y ignífuga. Envío en 24-48 h.",
                    "Perfilería, tornillería y pastas. Todo para tu tabique en un solo pedido.",
                ),
                ("pladur", "placas"),
                (
                    _t("placa pladur precio", '"placa pladur"', 50, 0.07, 0.06, 0.62),
                    _t("pladur hidrofugo", "[pladur hidrofugo]", 25, 0.08, 0.07, 0.66),
                    _t("como poner pladur youtube", "pladur", 30, 0.04, 0.0, 0.30),
                    _t("yeso medico para escayola brazo", "yeso", 18, 0.05, 0.0, 0.35),
                ),
            ),
        ),
    ),
    CampaignSpec(
        "Aislamiento - Búsqueda",
        25.0,
        310.0,
        (
            Group(
                "Lana de roca",
                ("Lana de Roca Térmica", "Ahorra en Calefacción", "Envío a Obra"),
                (
                    "Paneles de lana de roca para fachadas y cubiertas. Asesoría técnica gratis.",
                    "Aislamiento térmico y acústico con certificado. Precio especial profesional.",
                ),
                ("aislamiento", "lana-roca"),
                (
                    _t("lana de roca precio", '"lana de roca"', 30, 0.07, 0.05, 0.80),
                    _t("panel lana de roca fachada", "[panel lana de roca]", 18, 0.08, 0.07, 0.85),
                    _t("aislamiento termico casa", "aislamiento termico", 35, 0.05, 0.03, 0.70),
                    _t("curso aislamiento gratis", "aislamiento", 12, 0.04, 0.0, 0.35),
                ),
            ),
        ),
        volume=6.0,
    ),
    CampaignSpec(
        "Tejas - Búsqueda",
        20.0,
        520.0,
        (
            Group(
                "Teja cerámica",
                ("Teja Cerámica Mixta", "Fabricación Propia", "Presupuesto en 24 h"),
                (
                    "Teja cerámica mixta, plana y árabe. Pide presupuesto para tu cubierta.",
                    "Piezas especiales y accesorios de cubierta. Envío a toda España.",
                ),
                ("tejas", "ceramica"),
                (
                    _t("teja ceramica precio", '"teja ceramica"', 25, 0.07, 0.05, 0.75),
                    _t("teja arabe", "[teja arabe]", 20, 0.07, 0.04, 0.70),
                    _t("tejas minecraft", "tejas", 14, 0.05, 0.0, 0.25),
                    _t("ofertas de empleo tejador", "tejas", 8, 0.04, 0.0, 0.30),
                ),
            ),
        ),
    ),
)
