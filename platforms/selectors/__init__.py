"""The reads that are more than a queryset method: insights, impact, history and profiles.

One module per concern, shared by the API, the admin dashboard and (later) the public pages:

- ``duplication``: capabilities met by two or more platforms still in service;
- ``profiles``: what an organisation owns, reuses and could reuse;
- ``impact``: what depends on a platform, transitively, and who is hit;
- ``contracts``: supplier contracts ending within a window, with what could replace them;
- ``matrix``: the organisation x platform adoption matrix;
- ``trend``: a platform's adopters per quarter;
- ``history``: who changed a platform or an adoption, when and what;
- ``dashboard``: the headline figures of the admin index;
- ``capabilities``: every capability with how many platforms meet it (the home page's tiles).

Every selector takes the requesting ``user`` and sees only what that user may see: another
organisation's draft never appears, not even in a count. Figures are computed in the database
(aggregates, window functions, recursive CTEs written to run on SQLite and PostgreSQL alike) in a
fixed number of queries whatever the size of the data. Results are plain dicts, lists, strings and
numbers (chart-ready: every series is a list of flat rows), described in each selector's docstring.
"""
