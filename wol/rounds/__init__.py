"""Sign-up rounds: people sign up, wol forms balanced circles of 4-5 and the organiser confirms.

The forming itself is pure (wol/rounds/forming.py); spreadsheets in and out are too
(wol/rounds/spreadsheet.py).
"""

from flask import Blueprint

bp = Blueprint("rounds", __name__)

from wol.rounds import routes  # noqa: E402, F401
