"""Admin plumbing shared by the apps' admins."""

from collections import Counter

from django.contrib.admin.utils import NestedObjects
from django.db import router
from django.utils.text import capfirst
from django.utils.translation import gettext as _


class ProtectedSummaryMixin:
    """A row that others protect (a site's or committee's tallies, the tallies a user
    entered) cannot be deleted. Django's delete page would name every protecting row, and
    each name reads its site and committee: one query per row, thousands for a city site.
    Say how many of each kind instead; rows nothing protects are deleted as usual."""

    def get_deleted_objects(self, objs, request):
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect(objs)
        if not collector.protected:
            return super().get_deleted_objects(objs, request)
        counts = Counter(type(row) for row in collector.protected)
        protected = [
            _("%(objects)s: %(count)s")
            % {"objects": capfirst(model._meta.verbose_name_plural), "count": f"{count:,}"}
            for model, count in sorted(counts.items(), key=lambda item: item[0]._meta.label)
        ]
        return [], {}, set(), protected
