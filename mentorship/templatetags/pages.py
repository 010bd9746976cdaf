"""``{% page_links page as links %}``: the numbered links of ``includes/pagination.html``."""

from dataclasses import dataclass

from django import template
from django.core.paginator import Page

register = template.Library()

ON_EACH_SIDE = 2  # pages shown either side of the current one
ON_ENDS = 1  # pages always shown at the start and the end


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: the ellipsis between two runs of numbers
    current: bool = False

    @property
    def is_gap(self) -> bool:
        return self.number is None


@register.simple_tag
def page_links(page: Page) -> list[PageLink]:
    """First and last pages, a window around the current one, and a gap where pages are left out."""
    links = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=ON_EACH_SIDE, on_ends=ON_ENDS):
        if isinstance(number, int):
            links.append(PageLink(number, current=number == page.number))
        else:
            links.append(PageLink(None))
    return links
