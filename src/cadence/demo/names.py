"""Given names and family names by naming culture, for synthetic people."""

from __future__ import annotations

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Ethan",
        "Mia", "Lucas", "Amelia", "Mason", "Harper", "Logan", "Evelyn", "Jack", "Abigail",
        "Henry", "Emily", "Daniel", "Grace", "Samuel", "Chloe", "David", "Hannah", "Ryan",
        "Zoe", "Nathan", "Priya", "Marcus", "Aisha", "Kevin", "Rachel", "Tyler", "Megan",
    ),
    "de": (
        "Lukas", "Anna", "Felix", "Lena", "Jonas", "Laura", "Maximilian", "Julia", "Leon",
        "Sarah", "Paul", "Katharina", "Tobias", "Johanna", "Florian", "Miriam", "Stefan",
        "Sabine", "Matthias", "Claudia", "Jan", "Nina", "Moritz", "Franziska",
    ),
    "fr": (
        "Louis", "Camille", "Hugo", "Léa", "Arthur", "Manon", "Jules", "Chloé", "Thomas",
        "Inès", "Nicolas", "Juliette", "Antoine", "Sophie", "Mathieu", "Élodie", "Julien",
        "Claire", "Pierre", "Margaux", "Romain", "Lucie",
    ),
    "nl": (
        "Daan", "Sanne", "Sem", "Lotte", "Bram", "Fleur", "Thijs", "Eva", "Ruben", "Anouk",
        "Jesse", "Femke", "Lars", "Iris", "Sven", "Maartje",
    ),
    "es": (
        "Alejandro", "Lucía", "Pablo", "María", "Javier", "Carmen", "Diego", "Sofía",
        "Carlos", "Valentina", "Miguel", "Isabel", "Andrés", "Paula", "Santiago", "Elena",
        "Mateo", "Camila", "Fernando", "Daniela",
    ),
    "pt": (
        "João", "Ana", "Pedro", "Beatriz", "Lucas", "Mariana", "Gabriel", "Larissa",
        "Rafael", "Fernanda", "Thiago", "Juliana", "Bruno", "Camila", "Felipe", "Letícia",
    ),
    "it": (
        "Marco", "Giulia", "Alessandro", "Francesca", "Luca", "Chiara", "Matteo", "Sara",
        "Davide", "Martina", "Simone", "Elisa", "Andrea", "Valentina",
    ),
    "sv": (
        "Erik", "Elsa", "Oskar", "Maja", "Axel", "Ebba", "Gustav", "Linnea", "Viktor",
        "Ingrid", "Nils", "Klara",
    ),
    "pl": (
        "Jakub", "Zuzanna", "Kacper", "Julia", "Piotr", "Natalia", "Tomasz", "Agnieszka",
        "Michał", "Katarzyna", "Paweł", "Magdalena",
    ),
    "ja": (
        "Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina", "Takumi", "Sakura", "Daiki", "Yuna",
        "Kenji", "Mei", "Hiroshi", "Akiko",
    ),
    "in": (
        "Aarav", "Ananya", "Vihaan", "Diya", "Arjun", "Priya", "Rohan", "Isha", "Karan",
        "Neha", "Vikram", "Pooja", "Rahul", "Kavya", "Siddharth", "Meera",
    ),
    "ar": (
        "Omar", "Fatima", "Ahmed", "Layla", "Yusuf", "Mariam", "Khalid", "Noor", "Hassan",
        "Sara", "Ali", "Huda",
    ),
    "zh": (
        "Wei", "Mei Ling", "Jun", "Xin Yi", "Hao", "Li Na", "Jia Hui", "Zhi Wei", "Kai",
        "Shu Fen", "Ming", "Hui Min",
    ),
}  # fmt: skip

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
        "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White",
        "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Patel",
        "Nguyen", "Kim", "Murphy", "O'Brien", "Campbell", "Evans", "Hughes", "Price",
    ),
    "de": (
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
        "Braun", "Zimmermann", "Hartmann", "Krüger",
    ),
    "fr": (
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Fontaine",
        "Rousseau", "Girard",
    ),
    "nl": (
        "de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit",
        "Meijer", "de Boer", "Mulder", "Bos", "Vos", "Peters", "Hendriks",
    ),
    "es": (
        "García", "Rodríguez", "Martínez", "López", "González", "Hernández", "Pérez",
        "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Morales",
        "Romero", "Navarro", "Castillo",
    ),
    "pt": (
        "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
        "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho",
    ),
    "it": (
        "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
        "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca",
    ),
    "sv": (
        "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
        "Persson", "Svensson", "Gustafsson", "Lindberg", "Lindqvist",
    ),
    "pl": (
        "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
        "Zieliński", "Szymański", "Woźniak",
    ),
    "ja": (
        "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
        "Kobayashi", "Kato", "Yoshida", "Yamada",
    ),
    "in": (
        "Sharma", "Verma", "Gupta", "Singh", "Kumar", "Patel", "Reddy", "Iyer", "Nair",
        "Mehta", "Joshi", "Rao", "Chopra", "Malhotra",
    ),
    "ar": (
        "Al Mansoori", "Haddad", "Khoury", "Al Farsi", "Nasser", "Saleh", "Rahman", "Aziz",
        "Hamdan", "Al Hashimi",
    ),
    "zh": (
        "Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan", "Teo", "Koh", "Low",
    ),
}  # fmt: skip
