"""PDF plumbing shared by receipts and documents: text that fpdf's core fonts can print."""
