"""The one hook by which extraction tells the rest of the platform that analysed data changed.

``extraction_data_changed`` is sent once per committed change to data an analysis
uses (FINAL values: the single extraction or the consensus; arms and comparisons;
outcomes; the extraction form; studies; patient-level data), after the change
committed, from ``transaction.on_commit`` in the services. Keyword arguments:

- ``review_id``: the review whose data changed;
- ``data_version``: the review's ``data_version`` after the change (bumped with F()
  in the same transaction as the change);
- ``outcome_ids``: the ids of the outcomes whose analysis input changed, or None
  when any outcome may be affected (arms, study fields, studies, the form).

The analysis app connects a receiver at start-up (its ``AppConfig.ready``), so
extraction never imports analysis. Receivers run after commit: they read
committed data and should only queue work (``core.queueing.enqueue_on_commit``
or ``publish_now``), never raise into the request.
"""

import django.dispatch

extraction_data_changed = django.dispatch.Signal()
