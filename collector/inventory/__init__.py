"""The province's inventory: model and loader (``model``), spreadsheet import (``importer``)."""
