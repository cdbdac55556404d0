"""Synthetic residents' comments, shared by the seed and the sentiment benchmark."""

ENGLISH_COMMENTS = [
    "Great event, the officers were friendly and really listened to us.",
    "I wish the police came to our street more often, speeding is a real problem.",
    "Thank you for the food and the music, my kids loved meeting the officers.",
    "Not sure it changes anything but it was nice to talk.",
    "The lighting in the park is bad and people feel unsafe at night.",
    "Please do something about the drug dealing near the corner store.",
    "Officers were polite and took time to answer my questions.",
    "It was a waste of time, nobody from the department listened.",
    "Loved the K9 demonstration, very good for the community.",
    "More patrols at night please, there have been break-ins on our block.",
    "Good turnout, I hope you do this every year.",
    "The response time when I called last month was terrible.",
    "Nice to put faces to the names of our neighborhood officers.",
    "Traffic on Main Street is dangerous for kids walking to school.",
    "I felt respected and heard today, thank you.",
    "Too many police cars parked on the grass, otherwise fine.",
    "Car thefts and package thefts are my main concern.",
    "Wonderful evening, the officers played basketball with the kids.",
    "I do not trust the police after what happened to my neighbor.",
    "Better communication with residents would help a lot.",
]

SPANISH_COMMENTS = [
    "Muy buen evento, los policías fueron muy amables con mi familia.",
    "Necesitamos más patrullas en la noche, hay muchos robos.",
    "Gracias por venir a nuestro vecindario, fue una experiencia excelente.",
    "La policía no escucha a los vecinos, es un problema.",
    "Me gustaría que hubiera más seguridad cerca de la escuela.",
]

CONCERNS = [
    "Speeding on residential streets",
    "Break-ins and car thefts",
    "Drug dealing near the park",
    "Homelessness and panhandling downtown",
    "Noise and late night parties",
    "Gun violence",
    "Traffic safety near the school",
    "Graffiti and vandalism",
    "Porch pirates stealing packages",
    "Robos en las casas del vecindario",
]
