"""我的待办: the steps that are a person's now, one list per role family, soonest deadline first.

Who holds a step is ``services.notifications.notify.duty_for`` (read, never restated): each list
asks it which states wait for its role or for the person a case names (``steps``). Every list
is scoped through ``services.accounts.scoping``, counted in SQL and shown 50 rows a page
(``cases``); names are masked. The facts a township or county reviewer decides on are read per
case when opened (``facts``), audited as the case page is.
"""
