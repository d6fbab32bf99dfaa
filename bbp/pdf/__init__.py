"""PDF plumbing shared by receipts and documents: the Letter page (page.py) and text that fpdf's
core fonts can print (text.py)."""
