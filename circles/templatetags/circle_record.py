"""``{% circle_record circle place as record %}``: the record area of a circle for one of its
places (``circles.services.record.record_area``), so the circle's page includes it
without its view knowing the record's reads."""

from django import template

from circles.services.record import record_area

register = template.Library()


@register.simple_tag
def circle_record(circle, place):
    return record_area(circle, place)
