"""OCOP products and their classification (versioned by the decision that defined it)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel


class ProductKind(models.TextChoices):
    GOODS = "goods", _("Goods")
    SERVICE = "service", _("Tourism service")


class ClassificationLevel(models.TextChoices):
    INDUSTRY = "industry", _("Industry")
    GROUP = "group", _("Group")
    SUBGROUP = "subgroup", _("Sub-group")


class ProductCategory(models.Model):
    """One node of the OCOP product classification (industry → group → sub-group) of one criteria set.

    ``scheme`` is the criteria-set code the tree belongs to ("1048/2019" or "148/2023"), so the two
    classifications live side by side.
    """

    scheme = models.CharField(_("criteria set"), max_length=20)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=ClassificationLevel.choices)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    kind = models.CharField(_("kind of product"), max_length=10, choices=ProductKind.choices,
                            default=ProductKind.GOODS,
                            help_text=_("Tourism-service categories classify services; all others classify goods."))
    search_name = models.CharField(max_length=200, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["scheme", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="products_category_scheme_code")]

    def __str__(self) -> str:
        return f"{self.name} ({self.scheme})"

    def save(self, *args, **kwargs):
        from apps.common.text import fold

        self.search_name = fold(self.name)
        super().save(*args, **kwargs)

    @property
    def industry(self) -> ProductCategory:
        node = self
        while node.parent_id is not None:
            node = node.parent
        return node


class Product(TimeStampedModel):
    """An OCOP product (sản phẩm OCOP): goods or a tourism service."""

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ProductKind.choices, default=ProductKind.GOODS)
    category = models.ForeignKey(ProductCategory, verbose_name=_("classification"), on_delete=models.PROTECT,
                                 related_name="products")
    producer = models.ForeignKey("producers.Producer", verbose_name=_("producer"), on_delete=models.PROTECT,
                                 related_name="products")
    origin_communes = models.ManyToManyField(
        "territory.AdministrativeUnit", verbose_name=_("origin communes"), blank=True, related_name="origin_products",
    )
    short_description = models.CharField(_("short description"), max_length=300, blank=True)
    story = models.TextField(_("product story"), blank=True)
    video_url = models.URLField(_("video URL"), blank=True)
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True, db_index=True,
                            help_text=_("GTIN-8, 12, 13 or 14 with a valid check digit (Vietnam's GS1 prefix is 893)."))
    declared_standard = models.CharField(_("declared standard"), max_length=120, blank=True,
                                         help_text=_("e.g. TCCS 01:2024/HTX"))
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    search_name = models.CharField(max_length=200, editable=False, db_index=True, default="")
    tags = ArrayField(models.CharField(max_length=40), verbose_name=_("tags"), default=list, blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductPhoto(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("image"), upload_to="products/%Y/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("product photo")
        verbose_name_plural = _("product photos")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class LinkKind(models.TextChoices):
    SHOPEE = "shopee", "Shopee"
    LAZADA = "lazada", "Lazada"
    TIKI = "tiki", "Tiki"
    TIKTOK = "tiktok", "TikTok Shop"
    POSTMART = "postmart", "Postmart"
    WEBSITE = "website", _("Producer's website")
    OTHER = "other", _("Other")


class ProductLink(models.Model):
    """An e-commerce or web link where the product can be bought."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("kind"), max_length=12, choices=LinkKind.choices)
    url = models.URLField(_("URL"))

    class Meta:
        verbose_name = _("e-commerce link")
        verbose_name_plural = _("e-commerce links")
        constraints = [models.UniqueConstraint(fields=["product", "url"], name="products_link_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.url}"
