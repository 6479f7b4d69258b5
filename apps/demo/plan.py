"""The demo data set as a deterministic plan: what to create, computed from the seed files and the map.

Everything random comes from one ``random.Random`` seeded by ``fixtures/demo/plan.json``, and the plan
depends only on the seed files and on administrative units / reference data read in a fixed order, so
two runs give the same plan. :mod:`apps.demo.services` then applies it through the domain services,
skipping what already exists (by natural key), which makes loading idempotent.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import shapely
from shapely.geometry import MultiPoint, Polygon
from shapely.ops import unary_union

from apps.demo import shapes
from apps.demo.seedfiles import seed_file
from apps.products.gtin import gtin_check_digit

PROVINCE_LETTERS = {"66": "DL", "54": "PY"}
OLD_DAK_LAK, OLD_PHU_YEN = "66", "54"
PLACES_DAK_LAK = "tỉnh Đắk Lắk"


# --- inputs ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """The few facts of an administrative unit the plan needs (a plain value, not a model)."""

    id: int
    code: str
    name: str
    short_name: str
    unit_type: str
    lon: float
    lat: float
    area_km2: float | None = None


@dataclass
class Territory:
    """Snapshot of the map: legacy districts and communes of old Đắk Lắk and Phú Yên, and 2025 communes."""

    province_2025: Unit
    legacy_provinces: dict[str, Unit]              # "66" old Đắk Lắk, "54" old Phú Yên
    districts: dict[str, Unit]                     # legacy district code → unit
    district_province: dict[str, str]              # legacy district code → legacy province code
    legacy_communes: dict[str, list[Unit]]         # legacy district code → its communes (by code)
    successor: dict[int, Unit]                     # legacy commune id → primary 2025 commune
    current_communes: list[Unit]                   # 2025 communes of the province (by code)
    current_district: dict[int, str]               # 2025 commune id → legacy district most of it came from


@dataclass
class Reference:
    """Reference data seeded by the other apps' migrations, read by natural key."""

    crop_slugs: dict[str, str]                     # crop key of crops.json → Crop.slug present in the database
    category_codes: set[tuple[str, str]]           # (scheme, code) of ProductCategory
    criteria: dict[str, dict[str, Decimal]]        # criteria-set code → maxima and thresholds


# --- plan items -------------------------------------------------------------------------------------------------


@dataclass
class ProducerPlan:
    tax_code: str
    name: str
    legal_form: str
    district: str
    brand: str
    village: str
    legacy_commune: Unit
    commune: Unit
    lon: float
    lat: float
    representative: str
    phone: str
    email: str
    website: str
    address: str
    is_open_to_visits: bool
    templates: list[str] = field(default_factory=list)
    crops: list[str] = field(default_factory=list)


@dataclass
class RatingPlan:
    criteria_set: str
    era: str
    council_level: str
    evaluation_round: str
    evaluation_date: datetime.date
    decision_date: datetime.date | None
    decision_number: str
    issuing_authority: str
    issuing_unit: int | None
    scores: tuple[int, int, int]
    stars: int
    revoke: tuple[datetime.date, str] | None = None


@dataclass
class ProductPlan:
    producer_tax_code: str
    template: str
    name: str
    name_en: str
    scheme: str
    category_code: str
    origin_communes: list[int]
    gtin: str
    short_description: str
    story: str
    declared_standard: str
    shelf_life_days: int | None
    tags: list[str]
    website: str
    ratings: list[RatingPlan] = field(default_factory=list)


@dataclass
class ZonePlan:
    name: str
    crop: str
    kind: str
    polygon: Polygon
    producer_tax_codes: list[str]
    district: str
    notes: str
    status: str = "proposed"      # proposed, or active from ``activated_on``
    activated_on: datetime.date | None = None

    @property
    def proposed_on(self) -> datetime.date:
        """Surveyed and proposed some weeks before activation; zones still proposed date from mid-2026."""
        if self.activated_on is not None:
            return self.activated_on - datetime.timedelta(days=45)
        return min(datetime.date(2026, 6, 1), datetime.date.today())


@dataclass
class CodePlan:
    code_type: str                 # export / domestic
    letters: str
    sequence: int
    crop: str
    issuing_authority: str
    issue_date: datetime.date
    markets: list[str]
    zone_names: list[str]
    status_changes: list[tuple[str, datetime.date, str]] = field(default_factory=list)


@dataclass
class PackingPlan:
    name: str
    code_type: str
    letters: str
    sequence: int
    lon: float
    lat: float
    footprint: Polygon
    operator_tax_code: str | None
    operator_name: str
    address: str
    markets: list[str]
    capacity: Decimal
    issuing_authority: str
    issue_date: datetime.date
    suspended_on: datetime.date | None = None


@dataclass
class ProductionPlan:
    name: str
    producer_tax_code: str
    lon: float
    lat: float
    address: str
    makes: str
    product_names: list[str]


@dataclass
class CertificationPlan:
    scheme: str
    body: str
    number: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    subject_kind: str              # zone / packing_facility / production_facility / producer
    subject_key: str               # zone name, facility name / code, producer tax code


@dataclass
class SalesPointPlan:
    name: str
    kind: str
    lon: float
    lat: float
    address: str
    hours: dict
    phone: str
    legacy_district: int | None
    operator_tax_code: str | None
    product_keys: list[tuple[str, str]]   # (producer tax code, product name)


@dataclass
class SitePlan:
    name: str
    kind: str
    lon: float
    lat: float
    description: str
    area: Polygon | None
    product_key: tuple[str, str] | None
    producer_tax_code: str | None
    hours: dict


@dataclass
class RoutePlan:
    name: str
    stops: list[str]
    description: str
    duration_hours: Decimal
    path: list[tuple[float, float]]


@dataclass
class IndicationPlan:
    name: str
    kind: str
    registration_number: str
    holder: str
    registered_on: datetime.date
    description: str
    polygons: list[Polygon]
    product_keys: list[tuple[str, str]]


@dataclass
class DemoPlan:
    producers: list[ProducerPlan] = field(default_factory=list)
    products: list[ProductPlan] = field(default_factory=list)
    zones: list[ZonePlan] = field(default_factory=list)
    codes: list[CodePlan] = field(default_factory=list)
    packing: list[PackingPlan] = field(default_factory=list)
    production: list[ProductionPlan] = field(default_factory=list)
    certifications: list[CertificationPlan] = field(default_factory=list)
    sales_points: list[SalesPointPlan] = field(default_factory=list)
    sites: list[SitePlan] = field(default_factory=list)
    routes: list[RoutePlan] = field(default_factory=list)
    indication: IndicationPlan | None = None
    allocation: dict[str, int] = field(default_factory=dict)


# --- helpers ----------------------------------------------------------------------------------------------------


def largest_remainder(weights: dict[str, int], total: int) -> dict[str, int]:
    """Split ``total`` seats in proportion to ``weights`` by the largest-remainder (Hamilton) method.

    Ties in the remainder go to the larger weight, then to the smaller key, so the result is stable.
    """
    if total < 0:
        raise ValueError("total must not be negative")
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        raise ValueError("weights must add up to more than zero")
    quotas = {key: Decimal(total) * weight / weight_sum for key, weight in weights.items()}
    seats = {key: int(quota) for key, quota in quotas.items()}
    left = total - sum(seats.values())
    order = sorted(weights, key=lambda key: (-(quotas[key] - seats[key]), -weights[key], key))
    for key in order[:left]:
        seats[key] += 1
    return seats


def _gtin13(company: int, item: int) -> str:
    body = f"893{company:06d}{item:03d}"
    return body + str(gtin_check_digit(body))


def _person(rng: random.Random, names: dict, *, ethnic: bool) -> str:
    if ethnic:
        if rng.random() < 0.5:
            return f"Y {rng.choice(names['ede_given'])} {rng.choice(names['ede_clans'])}"
        return f"H'{rng.choice(names['ede_given'])} {rng.choice(names['ede_clans'])}"
    if rng.random() < 0.5:
        return (f"{rng.choice(names['kinh_family'])} {rng.choice(names['kinh_middle_male'])} "
                f"{rng.choice(names['kinh_given_male'])}")
    return (f"{rng.choice(names['kinh_family'])} {rng.choice(names['kinh_middle_female'])} "
            f"{rng.choice(names['kinh_given_female'])}")


def _ascii_label(text: str) -> str:
    from apps.common.text import vietnamese_slug

    return vietnamese_slug(text)


def _fill(pattern: str, **values: str) -> str:
    return " ".join(pattern.format(**values).split())


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = sorted(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


_UNIT_PREFIXES = ("Thành phố ", "Thành Phố ", "Thị xã ", "Thị Xã ", "Huyện ", "Tỉnh ")


def in_sentence(name: str) -> str:
    """A unit name as written inside a sentence: "Huyện Lắk" → "huyện Lắk", "Thị Xã Buôn Hồ" → "thị xã Buôn Hồ"."""
    for prefix in _UNIT_PREFIXES:
        if name.startswith(prefix):
            return prefix.lower() + name[len(prefix):]
    return name


def _short_place(unit: Unit) -> str:
    return unit.short_name or unit.name


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    from apps.ratings.services import add_months

    return add_months(day, months)


# --- planning ---------------------------------------------------------------------------------------------------


class Planner:
    def __init__(self, territory: Territory, reference: Reference):
        self.territory = territory
        self.reference = reference
        self.config = seed_file("plan")
        self.rng = random.Random(self.config["seed"])
        self.names = seed_file("names")
        self.districts = seed_file("districts")
        self.crops = seed_file("crops")
        self.templates = seed_file("product_templates")["templates"]
        self.classification = seed_file("product_templates")["classification"]
        self.outlets = seed_file("outlets")
        self.plan = DemoPlan()
        self.placer = shapes.PlotPlacer(gap_m=25)

    # territory helpers
    def province_of_district(self, district: str) -> str:
        return self.territory.district_province[district]

    def district_unit(self, district: str) -> Unit:
        return self.territory.districts[district]

    def present_crop(self, key: str | None) -> bool:
        return key is not None and key in self.reference.crop_slugs

    def template_usable(self, key: str) -> bool:
        template = self.templates[key]
        codes = self.classification[template["class"]]
        return any((scheme, code) in self.reference.category_codes for scheme, code in codes.items() if code)

    # ---------------------------------------------------------------------------------------------------------
    def build(self) -> DemoPlan:
        self.plan_producers()
        self.plan_products()
        self.plan_zones()
        self.plan_codes()
        self.plan_packing()
        self.plan_production()
        self.plan_certifications()
        self.plan_sales_points()
        self.plan_tourism()
        self.plan_indication()
        return self.plan

    # producers ------------------------------------------------------------------------------------------------
    def plan_producers(self) -> None:
        rng = self.rng
        forms = self.config["producers_per_legal_form"]
        brands = list(self.names["brands"])
        rng.shuffle(brands)
        coastal_brands = [brand for brand in brands if brand in {"Biển Xanh", "Gành Nắng", "Vịnh Ngọc", "Cát Trắng",
                                                                 "Sóng Bạc", "Hòn Yến", "Đá Đĩa", "Sông Ba",
                                                                 "Mũi Nắng"}]
        highland_brands = [brand for brand in brands if brand not in coastal_brands]
        district_codes = sorted(self.districts, key=lambda code: (code not in self.territory.districts, code))
        district_codes = [code for code in district_codes if code in self.territory.districts]
        # Weight districts by their number of product templates so coffee country gets more producers.
        district_weights = {code: len(self.districts[code]["products"]) + 2 for code in district_codes}
        tourism_districts = [code for code in district_codes
                             if any(self.templates[key]["class"].startswith("tourism")
                                    for key in self.districts[code]["products"])]
        index = 0
        for legal_form in sorted(forms):
            for _n in range(forms[legal_form]):
                index += 1
                if legal_form == "hiep_hoi":
                    district = tourism_districts[(index * 3) % len(tourism_districts)]
                else:
                    district = _weighted(rng, district_weights)
                self.plan.producers.append(self._producer(index, legal_form, district, coastal_brands,
                                                          highland_brands))
        self._ensure_industries()

    def _ensure_industries(self) -> None:
        """Give some producer a product of every industry of the latest classification that none covers yet."""
        latest = max(self.reference.criteria, key=lambda code: code.split("/")[-1])
        industries = sorted(code for scheme, code in self.reference.category_codes
                            if scheme == latest and "." not in code)

        def industry_of(key: str) -> str | None:
            code = self.classification[self.templates[key]["class"]].get(latest)
            return code.split(".")[0] if code else None

        covered = {industry_of(key) for producer in self.plan.producers for key in producer.templates}
        for industry in industries:
            if industry in covered:
                continue
            candidates = [key for key in sorted(self.templates) if industry_of(key) == industry
                          and self.template_usable(key)]
            if not candidates:
                continue
            key = candidates[0]
            homes = [p for p in self.plan.producers if key in self.districts[p.district]["products"]
                     and p.legal_form != "hiep_hoi"]
            producer = (homes or [p for p in self.plan.producers if p.legal_form == "htx"])[0]
            producer.templates.append(key)
            covered.add(industry)

    def _producer(self, index: int, legal_form: str, district: str, coastal: list[str], highland: list[str]
                  ) -> ProducerPlan:
        rng = self.rng
        profile = self.districts[district]
        is_coast = profile["region"].startswith("coast")
        pool = coastal if is_coast and coastal else highland
        brand = pool.pop(0) if pool else f"{rng.choice(self.names['brands'])} {index}"
        village = rng.choice(profile["villages"])
        legacy_commune = rng.choice(self.territory.legacy_communes[district])
        commune = self.territory.successor[legacy_commune.id]
        lon, lat = shapes.jitter(rng, legacy_commune.lon, legacy_commune.lat, max_m=1800, min_m=150)
        usable = [key for key in profile["products"] if self.template_usable(key)]
        if legal_form == "hiep_hoi":
            templates = [key for key in usable if self.templates[key]["class"].startswith("tourism")][:1]
        else:
            goods = [key for key in usable if not self.templates[key]["class"].startswith("tourism")]
            low, high = self.config["products_per_producer"][legal_form]
            count = min(len(goods), rng.randint(low, high))
            templates = rng.sample(goods, count)
            if legal_form in {"htx", "dn"} and rng.random() < 0.25:
                tourism = [key for key in usable if self.templates[key]["class"].startswith("tourism")]
                if tourism:
                    templates.append(rng.choice(tourism))
        crops = [self.templates[key]["crop"] for key in templates if self.present_crop(self.templates[key]["crop"])]
        if not crops:
            crops = [key for key in sorted(profile["crops"]) if self.present_crop(key)]
            crops = [_weighted(rng, {key: profile["crops"][key] for key in crops})] if crops else []
        crops = list(dict.fromkeys(crops))
        main_crop = crops[0] if crops else None
        specialty_key = main_crop or ("tourism" if legal_form == "hiep_hoi" else "craft")
        if is_coast and not crops:
            specialty_key = "seafood"
        specialty = self.names["specialties"].get(specialty_key, "Nông sản")
        ethnic = profile["region"] != "coast" and rng.random() < 0.4
        person = _person(rng, self.names, ethnic=ethnic)
        pattern = rng.choice(self.names["forms"][legal_form])
        name = _fill(pattern, brand=brand, place=profile["short"], village=village, specialty=specialty, person=person)
        representative = person if "{person}" in pattern else _person(rng, self.names, ethnic=ethnic)
        label = _ascii_label(brand)
        return ProducerPlan(
            tax_code=f"{self.config['tax_code_prefix']}{index:05d}",
            name=name, legal_form=legal_form, district=district, brand=brand, village=village,
            legacy_commune=legacy_commune, commune=commune, lon=lon, lat=lat,
            representative=representative,
            phone=f"0262 3{rng.randint(600000, 999999)}" if not is_coast else f"0257 3{rng.randint(600000, 999999)}",
            email=f"lienhe@{label}.example.vn",
            website=f"https://{label}.example.vn" if legal_form in {"dn", "htx", "hiep_hoi"} else "",
            address=f"{village}, {commune.name}, {PLACES_DAK_LAK}",
            is_open_to_visits=legal_form in {"hiep_hoi", "trang_trai"} or rng.random() < 0.3,
            templates=templates, crops=crops,
        )

    # products and ratings -------------------------------------------------------------------------------------
    def plan_products(self) -> None:
        rng = self.rng
        company = 100
        for producer in self.plan.producers:
            company += rng.randint(3, 40)
            for item, key in enumerate(producer.templates, start=1):
                template = self.templates[key]
                district = self.districts[producer.district]
                values = {"brand": producer.brand, "place": district["short"], "village": producer.village}
                name = _fill(template["name"], **values)
                is_service = template.get("kind") == "service"
                abbreviation = "".join(word[0] for word in _ascii_label(producer.brand).split("-")).upper()
                self.plan.products.append(ProductPlan(
                    producer_tax_code=producer.tax_code, template=key, name=name,
                    name_en=_fill(template["name_en"], **values), scheme="", category_code="",
                    origin_communes=[producer.commune.id],
                    gtin="" if is_service or rng.random() < 0.3 else _gtin13(company, item),
                    short_description=template["desc"], story=_fill(template["story"], **values),
                    declared_standard="" if is_service else f"TCCS {item:02d}:{rng.randint(2020, 2024)}/{abbreviation}",
                    shelf_life_days=template["shelf"], tags=list(template["tags"]),
                    website=f"{producer.website}/san-pham/{_ascii_label(name)}" if producer.website else "",
                ))
        self._plan_ratings()

    def _thresholds(self, criteria_set: str) -> dict[int, tuple[int, int]]:
        values = self.reference.criteria[criteria_set]
        five, four = int(values["min_total_5_stars"]), int(values["min_total_4_stars"])
        three, two = int(values["min_total_3_stars"]), int(values["min_total_2_stars"])
        return {5: (five, 99), 4: (four, five - 1), 3: (three, four - 1), 2: (two, three - 1), 1: (12, two - 1)}

    def _scores(self, criteria_set: str, stars: int) -> tuple[int, int, int]:
        """Integer part scores within the set's maxima that add up to a total of ``stars`` stars."""
        rng = self.rng
        values = self.reference.criteria[criteria_set]
        maxima = [int(values["max_part_a"]), int(values["max_part_b"]), int(values["max_part_c"])]
        low, high = self._thresholds(criteria_set)[stars]
        total = rng.randint(low, high)
        shares = [maximum * rng.uniform(0.85, 1.15) for maximum in maxima]
        parts = [min(maxima[i], int(total * shares[i] / sum(shares))) for i in range(3)]
        missing = total - sum(parts)
        order = [0, 1, 2]
        while missing > 0:
            rng.shuffle(order)
            for i in order:
                if missing and parts[i] < maxima[i]:
                    parts[i] += 1
                    missing -= 1
        return parts[0], parts[1], parts[2]

    def _rating(self, producer: ProducerPlan, round_: dict, stars: int) -> RatingPlan:
        rng = self.rng
        era = round_["era"]
        criteria_set = round_["criteria_set"]
        evaluation = _date(round_["evaluation"])
        decision = _date(round_["decision"])
        province_code = self.province_of_district(producer.district)
        province_legacy = self.territory.legacy_provinces[province_code]
        if stars == 5:
            council = "national"
        elif era == "2025" or stars == 4:
            council = "province"
        elif criteria_set == "1048/2019":
            # Under the 2019 rules the district evaluated and the province certified 3 and 4 stars.
            council = "province" if rng.random() < 0.5 else "district"
        else:
            council = "district"
        if council == "national":
            ministry = ("Bộ Nông nghiệp và Môi trường" if decision >= datetime.date(2025, 3, 1)
                        else "Bộ Nông nghiệp và Phát triển nông thôn")
            authority, unit = ministry, None
            prefix = "QĐ-BNNMT" if "Môi trường" in ministry else "QĐ-BNN-VPĐP"
        elif council == "province":
            if era == "2025":
                authority, unit = f"UBND {PLACES_DAK_LAK}", self.territory.province_2025.id
            else:
                authority, unit = f"UBND {in_sentence(province_legacy.name)}", province_legacy.id
            prefix = "QĐ-UBND"
        else:
            district = self.district_unit(producer.district)
            authority, unit = f"UBND {in_sentence(district.name)}", district.id
            prefix = "QĐ-UBND"
        number_key = (round_["round"], authority)
        if number_key not in self._decision_numbers:
            self._decision_numbers[number_key] = rng.randint(150, 3900)
        recognised = stars >= 3
        return RatingPlan(
            criteria_set=criteria_set, era=era, council_level=council, evaluation_round=round_["round"],
            evaluation_date=evaluation, decision_date=decision if recognised else None,
            decision_number=f"{self._decision_numbers[number_key]}/{prefix}" if recognised else "",
            issuing_authority=authority, issuing_unit=unit, scores=self._scores(criteria_set, stars), stars=stars,
        )

    def _plan_ratings(self) -> None:
        rng = self.rng
        self._decision_numbers: dict[tuple[str, str], int] = {}
        rounds = self.config["rating_rounds"]
        old_rounds = [r for r in rounds if r["criteria_set"] == "1048/2019"]
        legacy_new = [r for r in rounds if r["criteria_set"] != "1048/2019" and r["era"] == "legacy"]
        current = [r for r in rounds if r["era"] == "2025"]
        star_weights = {int(key): value for key, value in self.config["star_weights"].items()}
        recognised_weights = {key: value for key, value in star_weights.items() if key >= 3}
        producers = {producer.tax_code: producer for producer in self.plan.producers}
        order = list(range(len(self.plan.products)))
        rng.shuffle(order)
        # The first few products (in shuffled order) get the rare cases, so every case is always present.
        forced = [("old_expired", 5), ("current", 5), ("not_recognised", 1), ("not_recognised", 2),
                  ("not_recognised_current", 2), ("not_recognised_current", 1), ("old_expired", 4),
                  ("legacy_new", 4), ("current", 4), ("old_renewed", 3)]
        profiles = {"old_expired": 18, "old_renewed": 14, "legacy_new": 34, "current": 24, "not_recognised": 5,
                    "not_recognised_current": 3}
        for position, index in enumerate(order):
            product = self.plan.products[index]
            producer = producers[product.producer_tax_code]
            has_old_class = self.classification[self.templates[product.template]["class"]].get("1048/2019")
            if position < len(forced):
                profile, stars = forced[position]
            else:
                profile = _weighted(rng, {key: float(value) for key, value in profiles.items()})
                stars = int(_weighted(rng, {str(k): float(v) for k, v in recognised_weights.items()}))
            if profile.startswith("old") and not has_old_class:
                profile = "legacy_new"
            if profile == "not_recognised":
                stars = stars if stars <= 2 else 2
                chosen = [(rng.choice(legacy_new), stars)]
            elif profile == "not_recognised_current":
                chosen = [(rng.choice(current), min(stars, 2))]
            elif profile == "old_expired":
                chosen = [(rng.choice(old_rounds), stars)]
            elif profile == "old_renewed":
                first = rng.choice(old_rounds[:2])
                renewal = [r for r in rounds if r["criteria_set"] != "1048/2019"
                           and _date(r["evaluation"]) > _add_months(_date(first["decision"]), 30)]
                chosen = [(first, 3), (rng.choice(renewal), stars)]
            elif profile == "legacy_new":
                chosen = [(rng.choice(legacy_new), stars)]
            else:
                chosen = [(rng.choice(current), stars)]
            product.ratings = [self._rating(producer, round_, level) for round_, level in chosen]
            latest = product.ratings[-1].criteria_set
            codes = self.classification[self.templates[product.template]["class"]]
            product.scheme = latest
            product.category_code = codes[latest]
        self._plan_revocations()

    def _plan_revocations(self) -> None:
        rng = self.rng
        reasons = [
            "Kiểm tra hậu kiểm phát hiện sản phẩm không duy trì điều kiện an toàn thực phẩm.",
            "Chủ thể ngừng sản xuất sản phẩm, đề nghị thu hồi giấy chứng nhận.",
            "Nhãn sản phẩm lưu hành không đúng hồ sơ công bố chất lượng.",
            "Sử dụng biểu trưng OCOP sai quy định cho sản phẩm chưa được công nhận.",
            "Kết quả kiểm nghiệm định kỳ không đạt chỉ tiêu chất lượng đã công bố.",
        ]
        candidates = [rating for product in self.plan.products for rating in product.ratings[-1:]
                      if rating.stars in (3, 4) and rating.criteria_set == "148/2023"
                      and rating.decision_date and rating.decision_date < datetime.date(2025, 12, 31)]
        for rating in rng.sample(candidates, min(self.config["revoked_ratings"], len(candidates))):
            revoked_on = rating.decision_date + datetime.timedelta(days=rng.randint(150, 330))
            rating.revoke = (revoked_on, rng.choice(reasons))

    # zones ----------------------------------------------------------------------------------------------------
    def plan_zones(self) -> None:
        rng = self.rng
        minimum = self.config["minimum_zones"]
        per_form = self.config["zones_per_producer"]
        counters: Counter[str] = Counter()
        growers = [producer for producer in self.plan.producers if producer.crops]
        for producer in growers:
            low, high = per_form[producer.legal_form]
            for _n in range(rng.randint(low, high)):
                self._zone(producer, rng.choice(producer.crops), counters)
        while len(self.plan.zones) < minimum and growers:
            producer = rng.choice([p for p in growers if p.legal_form in {"htx", "dn", "tht"}] or growers)
            self._zone(producer, rng.choice(producer.crops), counters)

    def _zone(self, producer: ProducerPlan, crop: str, counters: Counter) -> None:
        rng = self.rng
        spec = self.crops[crop]
        low, high = spec["area_ha"]
        # Log-uniform: many small plots, few big ones, as on the ground.
        area = math.exp(rng.uniform(math.log(low), math.log(high)))
        home = producer.legacy_commune
        candidates = [home] + [unit for unit in self.territory.legacy_communes[producer.district] if unit != home]
        commune = home if rng.random() < 0.6 else rng.choice(candidates)
        spread = 2500 if spec["kind"] != "harvesting" else 9000
        polygon = self.placer.place(rng, commune.lon, commune.lat, area_ha=area, spread_m=spread)
        if polygon is None:
            return
        counters[(producer.tax_code, crop)] += 1
        place = _short_place(self.territory.successor[commune.id])
        name = f"{spec['label']} {producer.brand} – {place} {counters[(producer.tax_code, crop)]:02d}"
        self.plan.zones.append(ZonePlan(
            name=name, crop=crop, kind=spec["kind"], polygon=polygon, producer_tax_codes=[producer.tax_code],
            district=producer.district,
            notes=f"Vùng nguyên liệu của {producer.name}; số liệu minh họa (demo).",
        ))

    # growing-area codes ---------------------------------------------------------------------------------------
    def plan_codes(self) -> None:
        rng = self.rng
        config = self.config
        by_crop: dict[tuple[str, str], list[ZonePlan]] = defaultdict(list)
        for zone in self.plan.zones:
            province = self.province_of_district(zone.district)
            if zone.kind == "cultivation" and self.crops[zone.crop]["code"]:
                by_crop[(province, zone.crop)].append(zone)
        sequences = {("export", "DL"): rng.randint(11, 40), ("domestic", "DL"): rng.randint(1, 20),
                     ("export", "PY"): rng.randint(3, 12), ("domestic", "PY"): rng.randint(1, 9)}
        used: set[str] = set()

        def take(province: str, crop: str, count: int) -> list[ZonePlan]:
            free = [zone for zone in by_crop[(province, crop)] if zone.name not in used]
            chosen = free[:count]
            used.update(zone.name for zone in chosen)
            return chosen

        def issue(code_type: str, letters: str, crop: str, zones: list[ZonePlan], issue_date: datetime.date,
                  markets: list[str], authority: str) -> CodePlan:
            key = (code_type, letters)
            sequences[key] += rng.randint(1, 4)
            for zone in zones:
                zone.status, zone.activated_on = "active", issue_date
            plan = CodePlan(code_type=code_type, letters=letters, sequence=sequences[key], crop=crop,
                            issuing_authority=authority, issue_date=issue_date, markets=markets,
                            zone_names=[zone.name for zone in zones])
            self.plan.codes.append(plan)
            return plan

        export_crops = sorted({crop for (province, crop) in by_crop if province == OLD_DAK_LAK
                               and self.crops[crop]["code"] == "export"})
        domestic_crops = sorted({crop for (province, crop) in by_crop if province == OLD_DAK_LAK})
        issued = 0
        attempts = 0
        while issued < config["export_codes"] and export_crops and attempts < 200:
            attempts += 1
            crop = export_crops[attempts % len(export_crops)]
            zones = take(OLD_DAK_LAK, crop, rng.randint(1, 3))
            if not zones:
                continue
            issue_date = datetime.date(2021, 3, 1) + datetime.timedelta(days=rng.randint(0, 1700))
            issue("export", "DL", crop, zones, issue_date, list(self.crops[crop]["markets"]),
                  "Cục Bảo vệ thực vật")
            issued += 1
        issued = attempts = 0
        while issued < config["domestic_codes"] and domestic_crops and attempts < 200:
            attempts += 1
            crop = domestic_crops[attempts % len(domestic_crops)]
            zones = take(OLD_DAK_LAK, crop, rng.randint(1, 2))
            if not zones:
                continue
            issue_date = datetime.date(2022, 1, 1) + datetime.timedelta(days=rng.randint(0, 1500))
            issue("domestic", "DL", crop, zones, issue_date, ["VN"],
                  "Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Đắk Lắk")
            issued += 1
        # Codes issued in Phú Yên before the merger keep their letters (PY).
        phu_yen = sorted({crop for (province, crop) in by_crop if province == OLD_PHU_YEN})
        issued = attempts = 0
        while issued < config["phu_yen_codes"] and phu_yen and attempts < 50:
            attempts += 1
            crop = phu_yen[attempts % len(phu_yen)]
            zones = take(OLD_PHU_YEN, crop, 1)
            if not zones:
                continue
            code_type = "export" if self.crops[crop]["code"] == "export" and issued % 2 == 0 else "domestic"
            issue_date = datetime.date(2022, 6, 1) + datetime.timedelta(days=rng.randint(0, 900))
            markets = list(self.crops[crop]["markets"]) if code_type == "export" else ["VN"]
            authority = ("Cục Bảo vệ thực vật" if code_type == "export"
                         else "Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Phú Yên")
            issue(code_type, "PY", crop, zones, issue_date, markets, authority)
            issued += 1
        dak_lak_codes = [code for code in self.plan.codes if code.letters == "DL"]
        troubled_count = config["suspended_codes"] + config["revoked_codes"]
        troubled = rng.sample(dak_lak_codes, min(len(dak_lak_codes), troubled_count))
        for position, code in enumerate(troubled):
            when = code.issue_date + datetime.timedelta(days=rng.randint(200, 700))
            if position < config["suspended_codes"]:
                code.status_changes.append(("suspended", when, "Phát hiện sinh vật gây hại thuộc diện kiểm dịch "
                                                               "trong lô hàng xuất khẩu; tạm dừng để khắc phục."))
            else:
                code.status_changes.append(("suspended", when, "Không cập nhật nhật ký canh tác theo quy định."))
                code.status_changes.append(("revoked", when + datetime.timedelta(days=rng.randint(60, 200)),
                                            "Không khắc phục sau thời hạn tạm dừng; thu hồi mã số."))
        # A few zones without a code are active too (surveyed, awaiting a code), one revoked.
        uncoded = [zone for zone in self.plan.zones if zone.status == "proposed"]
        for zone in rng.sample(uncoded, min(len(uncoded), 20)):
            zone.status = "active"
            zone.activated_on = datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randint(0, 1000))

    # packing and production facilities -----------------------------------------------------------------------
    def plan_packing(self) -> None:
        rng = self.rng
        fruit_districts = ["654", "648", "651", "657", "644", "650", "643"]
        enterprises = [p for p in self.plan.producers if p.legal_form in {"dn", "htx"}
                       and p.district in fruit_districts]
        sequences = {"DL": rng.randint(4, 20), "PY": rng.randint(1, 5)}
        specs = []
        for index in range(self.config["packing_facilities"]):
            if index == self.config["packing_facilities"] - 1 and "562" in self.territory.districts:
                specs.append(("PY", "562", "export", None))
            elif index == self.config["packing_facilities"] - 2:
                specs.append(("DL", fruit_districts[index % len(fruit_districts)], "domestic", None))
            else:
                operator = enterprises[index] if index < len(enterprises) else None
                specs.append(("DL", operator.district if operator else fruit_districts[index], "export", operator))
        for index, (letters, district, code_type, operator) in enumerate(specs):
            sequences[letters] += rng.randint(1, 3)
            legacy = rng.choice(self.territory.legacy_communes[district])
            lon, lat = shapes.jitter(rng, legacy.lon, legacy.lat, max_m=1500, min_m=300)
            footprint = shapes.irregular_plot(rng, lon, lat, area_ha=rng.uniform(0.3, 1.2))
            commune = self.territory.successor[legacy.id]
            operator_name = "" if operator else f"Công ty TNHH Đóng gói Nông sản {rng.choice(self.names['brands'])}"
            owner = operator.brand if operator else operator_name.split("Nông sản ")[-1]
            markets = ["CN"] if code_type == "export" else []
            if code_type == "export" and rng.random() < 0.4:
                markets += ["US"] if rng.random() < 0.5 else ["AU"]
            self.plan.packing.append(PackingPlan(
                name=f"Cơ sở đóng gói {'sầu riêng' if index % 3 else 'trái cây'} {owner} – {_short_place(commune)}",
                code_type=code_type, letters=letters, sequence=sequences[letters], lon=lon, lat=lat,
                footprint=footprint, operator_tax_code=operator.tax_code if operator else None,
                operator_name=operator_name, address=f"{commune.name}, {PLACES_DAK_LAK}", markets=markets,
                capacity=Decimal(str(rng.choice([15, 20, 30, 40, 60, 80]))),
                issuing_authority=("Cục Bảo vệ thực vật" if code_type == "export"
                                   else "Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Đắk Lắk"),
                issue_date=datetime.date(2022, 8, 1) + datetime.timedelta(days=rng.randint(0, 1100)),
                suspended_on=(datetime.date(2026, 3, 15) if index == 1 else None),
            ))

    def plan_production(self) -> None:
        rng = self.rng
        products_by_producer: dict[str, list[ProductPlan]] = defaultdict(list)
        for product in self.plan.products:
            products_by_producer[product.producer_tax_code].append(product)
        for producer in self.plan.producers:
            goods = [p for p in products_by_producer[producer.tax_code]
                     if not self.templates[p.template]["class"].startswith("tourism")]
            if not goods or producer.legal_form == "hiep_hoi" or rng.random() < 0.35:
                continue
            lon, lat = shapes.jitter(rng, producer.lon, producer.lat, max_m=600, min_m=50)
            kind = "Xưởng chế biến" if producer.legal_form in {"dn", "htx"} else "Cơ sở sản xuất"
            self.plan.production.append(ProductionPlan(
                name=f"{kind} {producer.brand} – {producer.village}", producer_tax_code=producer.tax_code,
                lon=lon, lat=lat, address=producer.address,
                makes=", ".join(sorted({p.name.replace(producer.brand, '').strip() for p in goods})),
                product_names=[p.name for p in goods],
            ))

    # certifications -------------------------------------------------------------------------------------------
    def plan_certifications(self) -> None:
        rng = self.rng
        config = seed_file("certifications")
        schemes = config["schemes"]
        counters: Counter[str] = Counter()

        def certificate(scheme: str, subject_kind: str, subject_key: str) -> None:
            spec = schemes[scheme]
            year = rng.choice(config["issue_years"])
            valid_from = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
            valid_to = _add_months(valid_from, spec["months"]) - datetime.timedelta(days=1) if spec["months"] else None
            counters[scheme] += rng.randint(1, 17)
            self.plan.certifications.append(CertificationPlan(
                scheme=scheme, body=rng.choice(spec["bodies"]),
                number=spec["prefix"].format(year=year, n=counters[scheme]),
                valid_from=valid_from, valid_to=valid_to, subject_kind=subject_kind, subject_key=subject_key,
            ))

        for zone in self.plan.zones:
            fitting = sorted(name for name, spec in schemes.items()
                             if "zone" in spec["subjects"] and zone.crop in spec.get("crops", []))
            if fitting and (zone.status == "active" or rng.random() < 0.3) and rng.random() < 0.55:
                certificate(rng.choice(fitting), "zone", zone.name)
        for packing in self.plan.packing:
            certificate("haccp", "packing_facility", packing.name)
        for production in self.plan.production:
            if rng.random() < 0.5:
                certificate(rng.choice(["haccp", "iso22000", "gmp"]), "production_facility", production.name)
        for producer in self.plan.producers:
            if producer.legal_form in {"htx", "dn"} and rng.random() < 0.2:
                certificate(rng.choice(["fairtrade", "iso22000"]), "producer", producer.tax_code)

    # sales points ---------------------------------------------------------------------------------------------
    def plan_sales_points(self) -> None:
        rng = self.rng
        outlets = self.outlets
        hours = outlets["hours"]
        populations = self.populations
        self.plan.allocation = largest_remainder(populations, self.config["in_province_points"])
        products = self.plan.products
        producers = {p.tax_code: p for p in self.plan.producers}
        recognised = [p for p in products if p.ratings[-1].stars >= 3 and not p.ratings[-1].revoke]
        flagship = [p for p in recognised if p.template.startswith(("coffee", "cocoa", "durian", "pepper"))]
        by_district: dict[str, list[ProductPlan]] = defaultdict(list)
        for product in recognised:
            by_district[producers[product.producer_tax_code].district].append(product)
        names_used: Counter[str] = Counter()

        def key(product: ProductPlan) -> tuple[str, str]:
            return product.producer_tax_code, product.name

        def unique(name: str) -> str:
            names_used[name] += 1
            return name if names_used[name] == 1 else f"{name} (điểm {names_used[name]})"

        def carried(district: str | None, count: int) -> list[tuple[str, str]]:
            local = by_district.get(district, []) if district else []
            pool = sorted({key(p) for p in local}) + sorted({key(p) for p in flagship} - {key(p) for p in local})
            chosen = pool[:max(1, count // 2)] if local else []
            rest = [item for item in pool if item not in chosen]
            chosen += rng.sample(rest, min(len(rest), count - len(chosen)))
            return chosen

        # Provincial centre.
        centre = outlets["province_centre"]
        centre_unit = next(unit for unit in self.territory.current_communes if unit.code == centre["commune_code"])
        lon, lat = shapes.jitter(rng, centre_unit.lon, centre_unit.lat, max_m=600)
        self.plan.sales_points.append(SalesPointPlan(
            name=centre["name"], kind="centre_province", lon=lon, lat=lat, address=centre["address"],
            hours=hours[centre["hours"]], phone=f"0262 38{rng.randint(10000, 99999)}", legacy_district=None,
            operator_tax_code=None, product_keys=sorted({key(p) for p in recognised})[:60],
        ))
        kinds = outlets["in_province_kinds"]
        kind_weights = {spec["kind"]: float(spec["weight"]) for spec in kinds}
        kind_specs = {spec["kind"]: spec for spec in kinds}
        for district_code in sorted(self.plan.allocation):
            district = self.district_unit(district_code)
            communes = self.territory.legacy_communes[district_code]
            profile = self.districts.get(district_code, {"villages": [district.short_name]})
            seat = min(communes, key=lambda unit: ((unit.lon - district.lon) ** 2 + (unit.lat - district.lat) ** 2,
                                                   unit.code))
            seats = [unit for unit in communes if unit.unit_type in {"thi_tran", "phuong"}]
            if seats:
                seat = min(seats, key=lambda unit: ((unit.lon - district.lon) ** 2 + (unit.lat - district.lat) ** 2,
                                                    unit.code))
            lon, lat = shapes.jitter(rng, seat.lon, seat.lat, max_m=500)
            current = self.territory.successor[seat.id]
            self.plan.sales_points.append(SalesPointPlan(
                name=_fill(outlets["district_centre_name"], district=in_sentence(district.name)),
                kind="centre_district", lon=lon, lat=lat,
                address=f"{seat.name}, {in_sentence(district.name)} (cũ); nay {current.name}, {PLACES_DAK_LAK}",
                hours=hours["centre"], phone=f"0262 3{rng.randint(600000, 999999)}", legacy_district=district.id,
                operator_tax_code=None, product_keys=carried(district_code, rng.randint(15, 25)),
            ))
            local_operators = sorted(p.tax_code for p in self.plan.producers if p.district == district_code
                                     and p.legal_form in {"dn", "htx"})
            for _n in range(self.plan.allocation[district_code]):
                kind = _weighted(rng, kind_weights)
                spec = kind_specs[kind]
                commune = rng.choice(communes)
                current = self.territory.successor[commune.id]
                lon, lat = shapes.jitter(rng, commune.lon, commune.lat, max_m=900, min_m=40)
                name = _fill(rng.choice(spec["names"]), brand=rng.choice(self.names["brands"]),
                             commune=_short_place(commune), village=rng.choice(profile["villages"]))
                operator = rng.choice(local_operators) if local_operators and rng.random() < 0.25 else None
                self.plan.sales_points.append(SalesPointPlan(
                    name=unique(name), kind=kind, lon=lon, lat=lat,
                    address=f"{commune.name}, {in_sentence(district.name)} (cũ); nay {current.name}, {PLACES_DAK_LAK}",
                    hours=hours[rng.choice(spec["hours"])], phone=f"0262 3{rng.randint(600000, 999999)}",
                    legacy_district=district.id, operator_tax_code=operator,
                    product_keys=carried(district_code, rng.randint(4, 10)),
                ))
        # Showcases outside the province (three big cities in the plan).
        showcases = [(city["city"], venue) for city in outlets["showcase_cities"] for venue in city["venues"]]
        for city, venue in showcases[: self.config["showcase_points"]]:
            lon, lat = shapes.jitter(rng, venue["lon"], venue["lat"], max_m=400)
            name = _fill(rng.choice(outlets["showcase_names"]), area=venue["area"], city=city,
                         brand=rng.choice(self.names["brands"]))
            self.plan.sales_points.append(SalesPointPlan(
                name=unique(name), kind="showcase_outside", lon=lon, lat=lat, address=f"{venue['area']}, {city}",
                hours=hours[rng.choice(outlets["showcase_hours"])], phone=f"0262 3{rng.randint(600000, 999999)}",
                legacy_district=None, operator_tax_code=None, product_keys=carried(None, rng.randint(8, 16)),
            ))

    # tourism --------------------------------------------------------------------------------------------------
    def plan_tourism(self) -> None:
        rng = self.rng
        data = seed_file("tourism")
        hours = self.outlets["hours"]
        services = [p for p in self.plan.products if self.templates[p.template]["class"].startswith("tourism")]
        producers = {p.tax_code: p for p in self.plan.producers}
        for site in data["sites"]:
            lon, lat = site["lonlat"]
            product = None
            if site["product"]:
                same_district = [p for p in services if p.template == site["product"]
                                 and producers[p.producer_tax_code].district == site["district"]]
                if same_district:
                    product = same_district[0]
                    services.remove(product)
            area = shapes.irregular_plot(rng, lon, lat, area_ha=rng.uniform(3, 40)) if rng.random() < 0.6 else None
            self.plan.sites.append(SitePlan(
                name=site["name"], kind=site["kind"], lon=lon, lat=lat, description=site["desc"], area=area,
                product_key=(product.producer_tax_code, product.name) if product else None,
                producer_tax_code=product.producer_tax_code if product else None,
                hours=hours["tourist_site"],
            ))
        sites = {site.name: site for site in self.plan.sites}
        for route in data["routes"]:
            path: list[tuple[float, float]] = []
            stops = [sites[name] for name in route["stops"]]
            for here, there in zip(stops, stops[1:], strict=False):
                path.append((here.lon, here.lat))
                # A bend or two between stops, as roads go.
                for fraction in (0.35, 0.7):
                    lon = here.lon + (there.lon - here.lon) * fraction
                    lat = here.lat + (there.lat - here.lat) * fraction
                    path.append(shapes.jitter(rng, lon, lat, max_m=2500, min_m=300))
            path.append((stops[-1].lon, stops[-1].lat))
            self.plan.routes.append(RoutePlan(name=route["name"], stops=route["stops"], description=route["desc"],
                                              duration_hours=Decimal(str(route["duration_hours"])), path=path))

    # geographical indication ----------------------------------------------------------------------------------
    def plan_indication(self) -> None:
        data = seed_file("indication")
        buffer_degrees = data["buffer_km"] * 1000 / shapes.METRES_PER_DEGREE
        polygons = []
        for district in data["districts"]:
            communes = self.territory.legacy_communes.get(district, [])
            if not communes:
                continue
            points = MultiPoint([(unit.lon, unit.lat) for unit in communes])
            # Draw in a locally isotropic frame (longitudes scaled by cos(latitude)) so the buffer is round.
            scale = math.cos(math.radians(points.centroid.y))
            squeezed = shapely.transform(points, lambda coords, scale=scale: coords * [scale, 1.0])
            hull = squeezed.convex_hull.buffer(buffer_degrees, quad_segs=4)
            polygons.append(shapely.transform(hull, lambda coords, scale=scale: coords / [scale, 1.0]))
        merged = unary_union(polygons).simplify(0.002)
        parts = list(merged.geoms) if merged.geom_type == "MultiPolygon" else [merged]
        keys = [(p.producer_tax_code, p.name) for p in self.plan.products
                if p.template in data["product_templates"]
                and p.producer_tax_code in {q.tax_code for q in self.plan.producers if q.district in data["districts"]}]
        self.plan.indication = IndicationPlan(
            name=data["name"], kind=data["kind"], registration_number=data["registration_number"],
            holder=data["holder"], registered_on=_date(data["registered_on"]), description=data["description"],
            polygons=parts, product_keys=keys,
        )

    populations: dict[str, int] = {}


def build_plan(territory: Territory, reference: Reference, populations: dict[str, int]) -> DemoPlan:
    """The demo plan for ``territory``; ``populations`` (legacy district code → people) allocates sales points."""
    planner = Planner(territory, reference)
    planner.populations = populations
    return planner.build()
