# Read by `flask` (python-dotenv) so `flask wol ...` works from the project folder as printed.
FLASK_APP=wol
