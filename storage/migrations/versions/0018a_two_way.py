"""Two-way liaison: questions and replies (sealed), the FAQ (seeded in six languages), shared events,
community events, and profile preferences (languages spoken, channel order).

The FAQ is seeded here, by the migration, so every database starts with the network's FAQ and
staff add or change entries afterwards.

Revision ID: 0018a
Revises: 0004 (events and people)
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0018a"
down_revision = "0004"
branch_labels = ("two_way",)
depends_on = None

SEED_FAQ: list[dict[str, object]] = [
    {
        "slug": "network-purpose",
        "position": 10,
        "questions": {
            "en": "What is the purpose of the UN Network on Migration?",
            "fr": "Quel est l'objectif du Réseau des Nations Unies sur les migrations ?",
            "es": "¿Cuál es el propósito de la Red de las Naciones Unidas sobre la Migración?",
            "ru": "Какова цель Сети ООН по миграции?",
            "ar": "ما هو الغرض من شبكة الأمم المتحدة المعنية بالهجرة؟",
            "zh": "联合国移民网络的宗旨是什么？",
        },
        "answers": {
            "en": "The Secretary-General set up the Network in May 2018 to give Member States effective, "
            "timely and coordinated UN support to implement, follow up and review the Global Compact "
            "for Migration (GCM). It puts the rights and wellbeing of migrants and their communities first.",
            "fr": "Le Secrétaire général a créé le Réseau en mai 2018 pour offrir aux États membres un appui "
            "de l'ONU efficace, rapide et coordonné dans la mise en œuvre, le suivi et l'examen du Pacte "
            "mondial sur les migrations (PMM). Il place au premier plan les droits et le bien-être des "
            "migrants et de leurs communautés.",
            "es": "El Secretario General creó la Red en mayo de 2018 para dar a los Estados Miembros un apoyo "
            "eficaz, oportuno y coordinado de la ONU en la aplicación, el seguimiento y el examen del Pacto "
            "Mundial para la Migración (PMM). Prioriza los derechos y el bienestar de las personas migrantes "
            "y sus comunidades.",
            "ru": "Генеральный секретарь создал Сеть в мае 2018 года, чтобы государства-члены получали "
            "эффективную, своевременную и согласованную поддержку ООН в осуществлении и обзоре Глобального "
            "договора о миграции (ГДМ). В центре её работы — права и благополучие мигрантов и их общин.",
            "ar": "أنشأ الأمين العام الشبكة في أيار/مايو 2018 لتقديم دعم فعّال وسريع ومنسّق من الأمم المتحدة "
            "إلى الدول الأعضاء في تنفيذ الاتفاق العالمي من أجل الهجرة ومتابعته واستعراضه. وتضع الشبكة حقوق "
            "المهاجرين ومجتمعاتهم ورفاههم في المقام الأول.",
            "zh": "秘书长于2018年5月设立该网络，为会员国执行、落实和审查《移民问题全球契约》提供有效、及时、"
            "协调的联合国支持。网络优先关注移民及其社区的权利和福祉。",
        },
        "keywords": {
            "en": "aim goal why mission what does the network do",
            "fr": "but mission pourquoi à quoi sert le réseau",
            "es": "objetivo finalidad misión para qué sirve la red",
            "ru": "зачем задача миссия для чего нужна сеть",
            "ar": "الهدف المهمة لماذا ماذا تفعل الشبكة",
            "zh": "目的 目标 作用 网络做什么",
        },
    },
    {
        "slug": "network-structure",
        "position": 20,
        "questions": {
            "en": "How is the Network structured?",
            "fr": "Comment le Réseau est-il organisé ?",
            "es": "¿Cómo está organizada la Red?",
            "ru": "Как устроена Сеть?",
            "ar": "كيف تُنظَّم الشبكة؟",
            "zh": "网络是如何组织的？",
        },
        "answers": {
            "en": "IOM coordinates the Network and hosts its secretariat. An Executive Committee (ILO, IOM, "
            "OHCHR, UNDESA, UNDP, UNHCR, UNICEF and UNODC) is its core; other UN entities join the extended "
            "membership. In 2020 it had 39 members.",
            "fr": "L'OIM coordonne le Réseau et en assure le secrétariat. Un Comité exécutif (OIT, OIM, HCDH, "
            "DAES, PNUD, HCR, UNICEF et ONUDC) en forme le noyau ; d'autres entités de l'ONU rejoignent le "
            "cercle élargi. En 2020, il comptait 39 membres.",
            "es": "La OIM coordina la Red y alberga su secretaría. Un Comité Ejecutivo (OIT, OIM, ACNUDH, DAES, "
            "PNUD, ACNUR, UNICEF y UNODC) forma el núcleo; otras entidades de la ONU integran la membresía "
            "ampliada. En 2020 tenía 39 miembros.",
            "ru": "Сеть координирует МОМ, она же ведёт секретариат. Ядро — Исполнительный комитет (МОТ, МОМ, "
            "УВКПЧ, ДЭСВ, ПРООН, УВКБ, ЮНИСЕФ и УНП ООН); другие структуры ООН входят в расширенный состав. "
            "В 2020 году в Сети было 39 членов.",
            "ar": "تتولى المنظمة الدولية للهجرة تنسيق الشبكة وتستضيف أمانتها. ونواتها لجنة تنفيذية تضم منظمة "
            "العمل الدولية والمنظمة الدولية للهجرة ومفوضية حقوق الإنسان وإدارة الشؤون الاقتصادية والاجتماعية "
            "وبرنامج الأمم المتحدة الإنمائي ومفوضية اللاجئين واليونيسف ومكتب المخدرات والجريمة، وتنضم كيانات "
            "أممية أخرى إلى العضوية الموسّعة. وكان لها 39 عضوًا في عام 2020.",
            "zh": "国际移民组织负责协调网络并设立秘书处。核心是执行委员会（劳工组织、移民组织、人权高专办、"
            "经社部、开发署、难民署、儿基会和毒罪办），其他联合国实体可加入扩大成员。2020年共有39个成员。",
        },
        "keywords": {
            "en": "who are the members executive committee secretariat organisation",
            "fr": "membres comité exécutif secrétariat structure qui",
            "es": "miembros comité ejecutivo secretaría estructura quiénes",
            "ru": "члены исполнительный комитет секретариат структура кто",
            "ar": "الأعضاء اللجنة التنفيذية الأمانة الهيكل من",
            "zh": "成员 执行委员会 秘书处 结构",
        },
    },
    {
        "slug": "network-priorities",
        "position": 30,
        "questions": {
            "en": "What are the Network's priorities?",
            "fr": "Quelles sont les priorités du Réseau ?",
            "es": "¿Cuáles son las prioridades de la Red?",
            "ru": "Каковы приоритеты Сети?",
            "ar": "ما هي أولويات الشبكة؟",
            "zh": "网络的优先事项是什么？",
        },
        "answers": {
            "en": "Its workplan supports the GCM regional reviews, UN country teams and the Secretary-General's "
            "GCM report, and builds a knowledge platform. Themes: data, alternatives to detention, regular "
            "pathways, decent work, safe return and reintegration, and access to services.",
            "fr": "Son plan de travail appuie les examens régionaux du PMM, les équipes de pays et le rapport du "
            "Secrétaire général, et crée une plateforme de connaissances. Thèmes : données, alternatives à la "
            "détention, voies régulières, travail décent, retour et réintégration, accès aux services.",
            "es": "Su plan de trabajo apoya los exámenes regionales del PMM, a los equipos de país y el informe "
            "del Secretario General, y crea una plataforma de conocimientos. Temas: datos, alternativas a la "
            "detención, vías regulares, trabajo decente, retorno y reintegración, y acceso a servicios.",
            "ru": "Её план работы поддерживает региональные обзоры ГДМ, страновые группы ООН и доклад "
            "Генерального секретаря и создаёт платформу знаний. Темы: данные, альтернативы задержанию, "
            "легальные пути, достойный труд, возвращение и реинтеграция, доступ к услугам.",
            "ar": "تدعم خطة عملها الاستعراضات الإقليمية للاتفاق العالمي والأفرقة القطرية وتقرير الأمين العام، "
            "وتُنشئ منصة للمعارف. ومواضيعها: البيانات، وبدائل الاحتجاز، والمسارات النظامية، والعمل اللائق، "
            "والعودة وإعادة الإدماج، والحصول على الخدمات.",
            "zh": "其工作计划支持全球契约区域审查、联合国国家工作队和秘书长报告，并建设知识平台。"
            "专题包括：数据、替代拘留、正常途径、体面工作、返回与重新融入、获得服务。",
        },
        "keywords": {
            "en": "workplan focus themes topics working groups",
            "fr": "plan de travail thèmes sujets groupes de travail",
            "es": "plan de trabajo temas grupos de trabajo enfoque",
            "ru": "план работы темы рабочие группы направления",
            "ar": "خطة العمل المواضيع الأفرقة العاملة",
            "zh": "工作计划 专题 主题 工作组 重点",
        },
    },
    {
        "slug": "regional-national-coordination",
        "position": 40,
        "questions": {
            "en": "How does the Network support regional and national coordination?",
            "fr": "Comment le Réseau appuie-t-il la coordination régionale et nationale ?",
            "es": "¿Cómo apoya la Red la coordinación regional y nacional?",
            "ru": "Как Сеть поддерживает региональную и национальную координацию?",
            "ar": "كيف تدعم الشبكة التنسيق على الصعيدين الإقليمي والوطني؟",
            "zh": "网络如何支持区域和国家协调？",
        },
        "answers": {
            "en": "UN migration fora in regions and countries are encouraged to align their terms of reference "
            "with the Network's global ones, and new networks follow them. Decisions are by consensus, and "
            "stakeholders outside the UN are engaged.",
            "fr": "Les forums de l'ONU sur les migrations dans les régions et les pays sont invités à aligner "
            "leur mandat sur celui du Réseau mondial ; les nouveaux réseaux le suivent. Les décisions se "
            "prennent par consensus et les acteurs hors ONU sont associés.",
            "es": "Se anima a los foros de la ONU sobre migración en regiones y países a alinear sus mandatos "
            "con los de la Red mundial; las nuevas redes los siguen. Las decisiones se toman por consenso y "
            "se incluye a actores ajenos a la ONU.",
            "ru": "Форумам ООН по миграции в регионах и странах предлагается привести свой мандат в "
            "соответствие с мандатом глобальной Сети; новые сети следуют ему. Решения принимаются консенсусом, "
            "к работе привлекаются партнёры вне ООН.",
            "ar": "تُشجَّع منتديات الأمم المتحدة المعنية بالهجرة في الأقاليم والبلدان على مواءمة اختصاصاتها مع "
            "اختصاصات الشبكة العالمية، وتتبعها الشبكات الجديدة. وتُتّخذ القرارات بتوافق الآراء، ويُشرك أصحاب "
            "المصلحة من خارج الأمم المتحدة.",
            "zh": "鼓励各区域和国家的联合国移民论坛使其职权范围与全球网络保持一致，新建网络也以此为准。"
            "决策以协商一致方式作出，并吸纳联合国以外的利益攸关方参与。",
        },
        "keywords": {
            "en": "country national regional networks terms of reference coalition",
            "fr": "pays réseaux nationaux régionaux mandat coalition",
            "es": "país redes nacionales regionales mandato coalición",
            "ru": "страна национальные региональные сети мандат коалиция",
            "ar": "البلد الشبكات الوطنية الإقليمية الاختصاصات",
            "zh": "国家 区域 网络 职权范围 联盟",
        },
    },
    {
        "slug": "regional-reviews",
        "position": 50,
        "questions": {
            "en": "What is the Network's role in the GCM regional reviews?",
            "fr": "Quel est le rôle du Réseau dans les examens régionaux du PMM ?",
            "es": "¿Qué papel tiene la Red en los exámenes regionales del PMM?",
            "ru": "Какова роль Сети в региональных обзорах ГДМ?",
            "ar": "ما هو دور الشبكة في الاستعراضات الإقليمية للاتفاق العالمي؟",
            "zh": "网络在全球契约区域审查中起什么作用？",
        },
        "answers": {
            "en": "When Member States ask, IOM as Coordinator helps prepare and organise the regional reviews. "
            "The Network collects the inputs of States and stakeholders for the International Migration "
            "Review Forum and publishes them online.",
            "fr": "À la demande des États membres, l'OIM, coordinatrice du Réseau, aide à préparer et organiser "
            "les examens régionaux. Le Réseau rassemble les contributions des États et des parties prenantes "
            "pour le Forum d'examen des migrations internationales et les publie en ligne.",
            "es": "A petición de los Estados Miembros, la OIM, como coordinadora, ayuda a preparar y organizar "
            "los exámenes regionales. La Red reúne los aportes de Estados y partes interesadas para el Foro "
            "de Examen de la Migración Internacional y los publica en línea.",
            "ru": "По просьбе государств-членов МОМ как координатор помогает готовить и проводить региональные "
            "обзоры. Сеть собирает материалы государств и заинтересованных сторон для Международного форума "
            "по обзору миграции и публикует их в интернете.",
            "ar": "بناءً على طلب الدول الأعضاء، تساعد المنظمة الدولية للهجرة بصفتها منسّقة الشبكة في إعداد "
            "الاستعراضات الإقليمية وتنظيمها. وتجمع الشبكة مساهمات الدول وأصحاب المصلحة لمنتدى استعراض الهجرة "
            "الدولية وتنشرها على الإنترنت.",
            "zh": "应会员国请求，国际移民组织作为网络协调方协助筹备和组织区域审查。网络收集各国和利益攸关方"
            "提交国际移民审查论坛的材料，并在网上公布。",
        },
        "keywords": {
            "en": "review forum IMRF inputs submissions regional review meeting",
            "fr": "examen forum FEMI contributions réunion d'examen régional",
            "es": "examen foro FEMI aportes reunión de examen regional",
            "ru": "обзор форум МФОМ материалы региональное совещание",
            "ar": "الاستعراض المنتدى المساهمات الاجتماع الإقليمي",
            "zh": "审查 论坛 材料 区域审查会议",
        },
    },
    {
        "slug": "support-to-countries",
        "position": 60,
        "questions": {
            "en": "How can the Network support countries?",
            "fr": "Comment le Réseau peut-il aider les pays ?",
            "es": "¿Cómo puede la Red apoyar a los países?",
            "ru": "Как Сеть может поддержать страны?",
            "ar": "كيف يمكن للشبكة أن تدعم البلدان؟",
            "zh": "网络如何支持各国？",
        },
        "answers": {
            "en": "It helps with national GCM implementation plans, specific GCM objectives, UN coordination, "
            "stakeholder engagement, knowledge sharing, review and reporting, and it pilots tools from its "
            "working groups.",
            "fr": "Il appuie les plans nationaux de mise en œuvre du PMM, des objectifs précis, la coordination "
            "de l'ONU, la participation des parties prenantes, le partage de connaissances, l'examen et les "
            "rapports, et teste les outils de ses groupes de travail.",
            "es": "Apoya los planes nacionales de aplicación del PMM, objetivos concretos, la coordinación de la "
            "ONU, la participación de las partes interesadas, el intercambio de conocimientos, el examen y los "
            "informes, y prueba herramientas de sus grupos de trabajo.",
            "ru": "Она помогает с национальными планами осуществления ГДМ, отдельными целями, координацией ООН, "
            "участием заинтересованных сторон, обменом знаниями, обзором и отчётностью и испытывает "
            "инструменты своих рабочих групп.",
            "ar": "تساعد في خطط التنفيذ الوطنية للاتفاق العالمي وأهداف محددة منه، وفي تنسيق الأمم المتحدة، "
            "وإشراك أصحاب المصلحة، وتبادل المعارف، والاستعراض والإبلاغ، وتجربة أدوات أفرقتها العاملة.",
            "zh": "网络协助制定全球契约国家执行计划、实现具体目标、加强联合国协调、促进利益攸关方参与、"
            "分享知识、开展审查和报告，并试用其工作组开发的工具。",
        },
        "keywords": {
            "en": "help government national plan capacity building country support",
            "fr": "aide gouvernement plan national renforcement des capacités",
            "es": "ayuda gobierno plan nacional fortalecimiento de capacidades",
            "ru": "помощь правительство национальный план наращивание потенциала",
            "ar": "المساعدة الحكومة الخطة الوطنية بناء القدرات",
            "zh": "帮助 政府 国家计划 能力建设",
        },
    },
]


def upgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assigned_to", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_questions_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to"],
            ["staff_members.id"],
            name=op.f("fk_questions_assigned_to_staff_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_index(op.f("ix_questions_person_id"), "questions", ["person_id"], unique=False)
    op.create_index("ix_questions_inbox", "questions", ["status", "region", "language", "created_at"])
    op.create_table(
        "question_replies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_question_replies_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_question_replies_staff_id_staff_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_replies")),
    )
    op.create_index(op.f("ix_question_replies_question_id"), "question_replies", ["question_id"])
    faq = op.create_table(
        "faq_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=48), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
        sa.UniqueConstraint("slug", name=op.f("uq_faq_entries_slug")),
    )
    op.create_table(
        "event_proposals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.LargeBinary(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("link", sa.LargeBinary(), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_event_proposals_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_proposals_event_id_events"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_proposals")),
    )
    op.create_index(op.f("ix_event_proposals_person_id"), "event_proposals", ["person_id"])
    op.create_index(op.f("ix_event_proposals_status"), "event_proposals", ["status"])
    op.create_table(
        "community_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("organiser_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_community_events_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["people.id"],
            name=op.f("fk_community_events_organiser_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_community_events")),
    )
    op.create_index(op.f("ix_community_events_organiser_id"), "community_events", ["organiser_id"])
    op.create_table(
        "person_preferences",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("channels", sa.String(length=16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_person_preferences_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_preferences")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        faq,
        [
            {
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"liaison:faq:{entry['slug']}"),
                **entry,
                "created_at": now,
                "updated_at": now,
            }
            for entry in SEED_FAQ
        ],
    )


def downgrade() -> None:
    op.drop_table("person_preferences")
    op.drop_index(op.f("ix_community_events_organiser_id"), table_name="community_events")
    op.drop_table("community_events")
    op.drop_index(op.f("ix_event_proposals_status"), table_name="event_proposals")
    op.drop_index(op.f("ix_event_proposals_person_id"), table_name="event_proposals")
    op.drop_table("event_proposals")
    op.drop_table("faq_entries")
    op.drop_index(op.f("ix_question_replies_question_id"), table_name="question_replies")
    op.drop_table("question_replies")
    op.drop_index("ix_questions_inbox", table_name="questions")
    op.drop_index(op.f("ix_questions_person_id"), table_name="questions")
    op.drop_table("questions")
