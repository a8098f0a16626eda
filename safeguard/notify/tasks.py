"""Background work for the outbox (django-tasks; ``manage.py db_worker`` runs it).

A message's send task is enqueued when the change that wrote it commits, to run at the
message's ``send_after``. Retries are new tasks enqueued at the backoff time by the dispatcher,
up to ``NOTIFY_MAX_ATTEMPTS``; after that the message ends as ``failed`` with the reason.
"""

from django_tasks import task

from safeguard.notify.dispatch import Dispatcher


def _dispatcher() -> Dispatcher:
    # Every dispatcher, in every worker process, draws on the one budget in the database
    # (dispatch.SharedBudget): the key's limit holds however many workers run.
    return Dispatcher()


@task()
def send_message(message_id: int) -> str:
    """Send one message if it is still queued and due; otherwise do nothing."""
    return _dispatcher().run(only_ids=[message_id]).summary()


@task()
def dispatch_due() -> str:
    """Send everything due now (the same as ``manage.py dispatch_messages``)."""
    return _dispatcher().run().summary()
