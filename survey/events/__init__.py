"""Events, question sets, QR codes and posters."""
