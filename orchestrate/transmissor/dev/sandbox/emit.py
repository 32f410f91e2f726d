"""Turn planned events and people into PEC rows (COPY text), one writer per table.

Ids come from an allocator: `DateOrderedIds` for `create` (ids grow with the processing date,
as the nightly job would have produced them); `advance` hands in its own sequence counters.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import psycopg

from transmissor.dev.sandbox.activity import CAD, FAI, ODONTO, PROBLEM_KEYS, PROC, VAC, VISIT
from transmissor.dev.sandbox.catalog import FAIXAS, Dimensions
from transmissor.dev.sandbox.dates import SENTINEL_KEY, Calendar
from transmissor.dev.sandbox.loader import NULL, TableWriter
from transmissor.dev.sandbox.population import Household, Person, World
from transmissor.dev.sandbox.reference import Table

FACT_TABLES = {
    "fai": "tb_fat_atendimento_individual",
    "problemas": "tb_fat_atd_ind_problemas",
    "procedimentos": "tb_fat_atd_ind_procedimentos",
    "proced_atend": "tb_fat_proced_atend",
    "proced_atend_proced": "tb_fat_proced_atend_proced",
    "odonto": "tb_fat_atendimento_odonto",
    "vacinacao": "tb_fat_vacinacao",
    "vacina": "tb_fat_vacinacao_vacina",
    "visita": "tb_fat_visita_domiciliar",
    "cad": "tb_fat_cad_individual",
    "cds_cad": "tb_cds_cad_individual",
}
PERSON_TABLES = {
    "cidadao_pec": "tb_fat_cidadao_pec",
    "cidadao": "tb_cidadao",
    "grupo": "tb_dim_cidadao_pec_grupo",
    "territorio": "tb_fat_cidadao_territorio",
    "rel_gestante": "tb_fat_rel_op_gestante",
    "cad_domiciliar": "tb_fat_cad_domiciliar",
    "dom_familia": "tb_fat_cad_dom_familia",
    "familia_territorio": "tb_fat_familia_territorio",
}
ALL_KEYS = {**FACT_TABLES, **PERSON_TABLES}

HEADER_1 = ("co_dim_profissional_1", "co_dim_cbo_1", "co_dim_unidade_saude_1", "co_dim_equipe_1")
HEADER = ("co_dim_profissional", "co_dim_cbo", "co_dim_unidade_saude", "co_dim_equipe")


def pipes(codes) -> str:
    return "|" + "|".join(codes) + "|" if codes else NULL


def ficha_uuid(cnes: str, kind: int, row_id: int) -> str:
    """A deterministic uuid-shaped ficha id (CNES prefix as in the PEC)."""
    mixed = (row_id * 0x9E3779B97F4A7C15 + kind * 0xBF58476D1CE4E5B9) & (2**64 - 1)
    head = f"{mixed >> 32:08x}-{(mixed >> 16) & 0xFFFF:04x}"
    return f"{cnes}-{head}-4{kind:03x}-8{row_id % 4096:03x}-{row_id:012x}"


def n(value) -> object:
    return NULL if value is None else value


def problem_uuid(person: int, key: str) -> str:
    """nu_uuid_problema: one per person and problem, the same in every evolution and record."""
    mixed = zlib.crc32(key.encode())
    return f"{person:08x}-{mixed >> 16:04x}-4{mixed & 0xFFF:03x}-8{person % 4096:03x}-{mixed:012x}"


# Problem rows dated before this many days into the simulated years come from a PEC version
# without the evolution columns (situation, uuid, assessed flag): they stay empty.
EVOLUTION_SINCE_DAYS = 60


class DateOrderedIds:
    """Ids per table ordered by processing date (then by emission order within a day)."""

    def __init__(self, counts: dict[str, dict[int, int]]) -> None:
        self.next: dict[str, dict[int, int]] = {}
        self.total: dict[str, int] = {}
        for key, per_day in counts.items():
            cursor, starts = 1, {}
            for day in sorted(per_day):
                starts[day] = cursor
                cursor += per_day[day]
            self.next[key] = starts
            self.total[key] = cursor - 1

    def take(self, key: str, day: int) -> int:
        starts = self.next[key]
        value = starts[day]
        starts[day] = value + 1
        return value


class Emitter:
    """Formats rows for every sandbox table; `flush` COPYs what is buffered."""

    def __init__(
        self,
        tables: dict[str, Table],
        dims: Dimensions,
        world: World,
        cal: Calendar,
        take: Callable[[str, int], int],
    ) -> None:
        self.world, self.cal, self.take, self.dims = world, cal, take, dims
        ids = dims.ids
        self.cid, self.ciap = ids["tb_dim_cid"], ids["tb_dim_ciap"]
        self.proced = ids["tb_dim_procedimento"]
        self.imuno, self.dose = ids["tb_dim_imunobiologico"], ids["tb_dim_dose_imunobiologico"]
        self.sexo = {"M": ids["tb_dim_sexo"]["0"], "F": ids["tb_dim_sexo"]["1"]}
        self.op_sexo = {"M": ids["tb_sexo"]["0"], "F": ids["tb_sexo"]["1"]}
        self.saida = ids["tb_dim_tipo_saida_cadastro"]
        self.tipo = {**ids["tb_dim_tipo_atendimento"], None: 1}
        self.particip = {**ids["tb_dim_tipo_participacao_atend"], None: 1}
        self.situacao = {**ids["tb_dim_situacao_problema"], None: 1}
        self.genero = {**ids["tb_dim_identidade_genero"], None: 1}
        self.evolution_since = world.start.toordinal() + EVOLUTION_SINCE_DAYS
        faixa_ids = ids["tb_dim_faixa_etaria"]
        self.faixa = [1] * 151
        for code, _, lo, hi in FAIXAS:
            for age in range(lo, min(hi, 150) + 1):
                self.faixa[age] = faixa_ids[code]
        ficha = ids["tb_dim_tipo_ficha"]
        muni = {"co_dim_municipio": 2}
        origem = {"co_dim_cds_tipo_origem": 2, "co_dim_tipo_origem_dado_transp": 2}
        t = tables

        def w(key: str, columns: str, constants: dict | None = None) -> TableWriter:
            return TableWriter(t[ALL_KEYS[key]], columns.split(), constants)

        fai_const = {**muni, **origem, "co_dim_tipo_ficha": ficha["4"]}
        self.w = {
            "fai": w(
                "fai",
                "co_seq_fat_atd_ind co_dim_profissional_1 co_dim_cbo_1 "
                "co_dim_unidade_saude_1 co_dim_equipe_1 co_dim_tempo nu_uuid_ficha nu_cns "
                "dt_nascimento co_dim_faixa_etaria co_dim_sexo co_dim_turno "
                "co_dim_local_atendimento co_dim_tipo_atendimento nu_peso nu_altura "
                "co_dim_tempo_dum nu_idade_gestacional_semanas ds_filtro_cids "
                "ds_filtro_ciaps ds_filtro_proced_avaliados ds_filtro_proced_solicitados "
                "co_fat_cidadao_pec dt_inicial_atendimento dt_final_atendimento "
                "nu_cpf_cidadao st_conduta_consulta_agendada nu_pressao_sistolica "
                "nu_pressao_diastolica co_dim_tp_particip_cidadao",
                fai_const,
            ),
            "problemas": w(
                "problemas",
                "co_seq_fat_atend_ind_problemas co_fat_atd_ind "
                "co_dim_profissional_1 co_dim_cbo_1 co_dim_unidade_saude_1 "
                "co_dim_equipe_1 co_dim_tempo nu_uuid_ficha nu_cns co_dim_cid "
                "co_dim_ciap co_fat_cidadao_pec nu_cpf_cidadao co_dim_situacao_problema "
                "st_avaliado nu_uuid_problema",
                fai_const,
            ),
            "procedimentos": w(
                "procedimentos",
                "co_seq_fat_atend_ind_proced co_fat_atd_ind "
                "co_dim_profissional_1 co_dim_cbo_1 co_dim_unidade_saude_1 "
                "co_dim_equipe_1 co_dim_tempo nu_uuid_ficha nu_cns "
                "co_dim_procedimento_avaliado co_dim_procedimento_solicitado "
                "co_fat_cidadao_pec nu_cpf_cidadao",
                fai_const,
            ),
            "proced_atend": w(
                "proced_atend",
                "co_seq_fat_proced_atend co_fat_procedimento "
                "co_dim_profissional co_dim_cbo co_dim_unidade_saude co_dim_equipe "
                "co_dim_tempo co_dim_sexo co_dim_turno co_dim_faixa_etaria "
                "st_escuta_inicial nu_uuid_ficha nu_cns dt_nascimento "
                "ds_filtro_procedimento co_fat_cidadao_pec dt_inicial_atendimento "
                "dt_final_atendimento nu_cpf_cidadao nu_peso nu_altura nu_pressao_sistolica "
                "nu_pressao_diastolica",
                {**muni, **origem, "co_dim_tipo_ficha": ficha["7"], "co_dim_local_atendimento": 2},
            ),
            "proced_atend_proced": w(
                "proced_atend_proced",
                "co_seq_fat_proced_atend_proced "
                "co_fat_procedimento co_dim_profissional co_dim_cbo "
                "co_dim_unidade_saude co_dim_equipe co_dim_tempo "
                "co_dim_sexo co_dim_turno st_escuta_inicial nu_uuid_ficha "
                "nu_cns dt_nascimento co_dim_procedimento "
                "co_fat_cidadao_pec nu_cpf_cidadao",
                {**muni, **origem, "co_dim_tipo_ficha": ficha["7"], "co_dim_local_atendimento": 2},
            ),
            "odonto": w(
                "odonto",
                "co_seq_fat_atd_odnt co_dim_profissional_1 co_dim_cbo_1 "
                "co_dim_unidade_saude_1 co_dim_equipe_1 co_dim_tempo nu_uuid_ficha "
                "nu_cns dt_nascimento co_dim_faixa_etaria co_dim_sexo co_dim_turno "
                "st_gestante co_dim_tipo_atendimento co_dim_tipo_consulta "
                "ds_filtro_procedimentos co_fat_cidadao_pec dt_inicial_atendimento "
                "dt_final_atendimento nu_cpf_cidadao",
                {**muni, **origem, "co_dim_tipo_ficha": ficha["5"], "co_dim_local_atendimento": 2},
            ),
            "vacinacao": w(
                "vacinacao",
                "co_seq_fat_vacinacao co_dim_profissional co_dim_cbo "
                "co_dim_unidade_saude co_dim_equipe co_dim_tempo co_dim_faixa_etaria "
                "nu_uuid_ficha co_dim_turno nu_cns dt_nascimento co_dim_sexo "
                "st_gestante ds_filtro_imunobiologico ds_filtro_dose_imunobiologico "
                "co_fat_cidadao_pec dt_inicial_atendimento dt_final_atendimento "
                "nu_cpf_cidadao",
                {
                    **muni,
                    **origem,
                    "co_dim_tipo_ficha": ficha["14"],
                    "co_dim_local_atendimento": 2,
                    "ds_filtro_estrategia_vacinacao": "|1|",
                },
            ),
            "vacina": w(
                "vacina",
                "co_seq_fat_vacinacao_vacina co_fat_vacinacao "
                "co_dim_profissional co_dim_cbo co_dim_unidade_saude co_dim_equipe "
                "co_dim_tempo nu_uuid_ficha co_dim_imunobiologico "
                "co_dim_dose_imunobiologico no_lote st_registro_anterior "
                "co_dim_tempo_vacina_aplicada",
                {
                    **muni,
                    **origem,
                    "co_dim_tipo_ficha": ficha["14"],
                    "co_dim_estrategia_vacinacao": 2,
                    "no_fabricante": "BUTANTAN",
                },
            ),
            "visita": w(
                "visita",
                "co_seq_fat_visita_domiciliar nu_uuid_ficha "
                "co_dim_profissional co_dim_cbo co_dim_unidade_saude co_dim_equipe "
                "co_dim_tempo co_dim_turno co_dim_sexo nu_micro_area nu_cns "
                "dt_nascimento co_dim_faixa_etaria co_dim_desfecho_visita "
                "st_acomp_gestante st_acomp_puerpera st_acomp_recem_nascido st_acomp_crianca "
                "st_acomp_pessoa_hipertensao st_acomp_pessoa_diabetes co_fat_cidadao_pec "
                "nu_cpf_cidadao nu_medicao_pressao_arterial nu_peso nu_altura",
                {
                    **muni,
                    **origem,
                    "co_dim_tipo_ficha": ficha["8"],
                    "co_dim_tipo_imovel": 2,
                    "st_mot_vis_visita_periodica": 1,
                },
            ),
            "cad": w(
                "cad",
                "co_seq_fat_cad_individual nu_uuid_ficha nu_uuid_ficha_origem "
                "nu_cns dt_nascimento co_dim_profissional co_dim_unidade_saude "
                "co_dim_equipe co_dim_tempo co_dim_sexo co_dim_raca_cor co_dim_cbo "
                "co_dim_faixa_etaria st_responsavel_familiar st_gestante st_fumante "
                "st_hipertensao_arterial st_diabete co_dim_tipo_saida_cadastro dt_obito "
                "nu_micro_area no_nome no_nome_mae nu_celular co_fat_cidadao_pec "
                "co_fat_cidadao_pec_responsvl nu_cpf_cidadao st_recusa_cadastro "
                "co_dim_identidade_genero st_informar_identidade_genero",
                {
                    **muni,
                    **origem,
                    "co_dim_tipo_ficha": ficha["2"],
                    "co_dim_nacionalidade": 2,
                    "co_dim_pais_nascimento": 2,
                    "co_dim_municipio_cidadao": 2,
                },
            ),
            "cds_cad": w(
                "cds_cad",
                "co_seq_cds_cad_individual co_unidade_saude "
                "dt_cad_individual co_cbo co_unico_ficha st_responsavel_familiar "
                "nu_cns_cidadao no_cidadao dt_nascimento co_sexo no_mae_cidadao "
                "nu_celular_cidadao st_atualizacao co_cds_prof_cadastrante "
                "co_unico_ficha_origem st_versao_atual no_cidadao_filtro dt_obito "
                "nu_micro_area nu_cpf_cidadao st_recusa_cad",
                {
                    "co_pais": 2,
                    "co_municipio": 2,
                    "st_ficha": 1,
                    "tp_cds_origem": 3,
                    "co_raca_cor": 1,
                    "st_desconhece_nome_mae": 0,
                    "co_nacionalidade": 2,
                    "ds_versao_ficha": "7.3.3",
                    "st_desconhece_nome_pai": 1,
                },
            ),
            "cidadao_pec": w(
                "cidadao_pec",
                "co_seq_fat_cidadao_pec co_cidadao nu_cns "
                "no_cidadao co_dim_tempo_nascimento co_dim_sexo "
                "nu_telefone_celular st_faleceu nu_cpf_cidadao "
                "co_dim_unidade_saude_vinc co_dim_equipe_vinc co_dim_identidade_genero",
                {"st_lookup_etl": 1},
            ),
            "cidadao": w(
                "cidadao",
                "co_seq_cidadao co_unico_cidadao_prontuario "
                "co_unico_prontuario nu_micro_area dt_atualizado co_unico_cidadao "
                "co_unico_ultima_ficha dt_ultima_ficha nu_cpf nu_cns no_cidadao "
                "no_cidadao_filtro dt_nascimento dt_obito no_mae no_mae_filtro "
                "st_faleceu ds_logradouro nu_numero no_bairro no_bairro_filtro "
                "nu_telefone_celular st_unificado no_sexo co_raca_cor st_dados_obito_cadsus",
                {
                    "st_desconhece_nome_mae": 0,
                    "co_nacionalidade": 2,
                    "co_pais_nascimento": 2,
                    "st_ativo": 1,
                    "st_ativo_para_exibicao": 1,
                    "st_desconhece_nome_pai": 1,
                    "co_uf": 2,
                    "co_localidade_endereco": 2,
                    "st_registro_cadsus": 1,
                    "st_fora_area": 0,
                },
            ),
            "grupo": w(
                "grupo",
                "co_seq_dim_cidadao_pec_grupo co_identificacao "
                "tp_identificacao co_fat_cidadao_pec co_cidadao co_cidadao_master",
            ),
            "territorio": w(
                "territorio",
                "co_seq_fat_cidadao_territorio co_dim_unidade_saude "
                "co_dim_equipe nu_micro_area co_fat_cidadao_pec st_responsavel "
                "st_mudou_se st_vivo co_fat_familia_territorio "
                "co_fat_ciddo_terrtrio_resp co_fat_cad_individual",
                {
                    **muni,
                    "st_responsavel_informado": 1,
                    "st_responsavel_com_fci": 1,
                    "st_cidadao_consistente": 1,
                    "st_processado_cidadao_respnsvl": 1,
                },
            ),
            "rel_gestante": w(
                "rel_gestante",
                "co_seq_fat_rel_op_gestante co_fat_cidadao_pec "
                "dt_inicio_gestacao dt_fai_dum nu_idade_gestacional",
            ),
            "cad_domiciliar": w(
                "cad_domiciliar",
                "co_seq_fat_cad_domiciliar nu_uuid_ficha "
                "qt_morador nu_comodo co_dim_profissional co_dim_unidade_saude "
                "co_dim_equipe co_dim_tempo co_dim_cbo nu_micro_area "
                "no_logradouro nu_num_logradouro no_bairro nu_cep",
                {
                    **muni,
                    **origem,
                    "co_dim_tipo_ficha": ficha["3"],
                    "co_dim_tipo_imovel": 2,
                    "co_dim_municipio_cidadao": 2,
                    "st_disp_energia": 1,
                },
            ),
            "dom_familia": w(
                "dom_familia",
                "co_seq_fat_cad_dom_familia nu_uuid_ficha "
                "co_dim_profissional co_dim_unidade_saude co_dim_equipe "
                "co_dim_tempo co_dim_cbo nu_cns_responsavel dt_nascimento "
                "co_fat_cad_domiciliar nu_micro_area qt_membro_familiar "
                "co_fat_cidadao_pec nu_cpf_responsavel",
                {**muni, **origem, "co_dim_tipo_ficha": ficha["3"]},
            ),
            "familia_territorio": w(
                "familia_territorio",
                "co_seq_fat_familia_territorio "
                "co_dim_unidade_saude co_dim_equipe nu_uuid_ficha_origem "
                "co_fat_cidadao_pec co_fat_cad_domiciliar co_dim_tempo_fcd "
                "nu_micro_area st_responsavel_vivo co_fat_cidadao_territorio",
                {
                    **muni,
                    "st_familia_consistente": 1,
                    "st_resp_com_fci_no_territorio": 1,
                    "st_resp_declarado_no_fci": 1,
                    "st_responsavel_ainda_reside": 1,
                },
            ),
        }
        self.grupo_id = 0
        self.rel_id = 0

    # -- shared bits -------------------------------------------------------------------
    def record(self, p: Person, rec: int) -> tuple[int, str, str]:
        if rec and p.dup_fat_id:
            return (
                p.dup_fat_id,
                NULL if p.dup_missing == "cns" else p.cns or NULL,
                NULL if p.dup_missing == "cpf" else p.cpf or NULL,
            )
        return p.fat_id, p.cns or NULL, p.cpf or NULL

    def stamp(self, day: int, minute: int) -> str:
        return f"{self.cal.text(day)} {minute // 60:02d}:{minute % 60:02d}:00"

    @staticmethod
    def turno(minute: int) -> int:
        return 2 if minute < 720 else 3 if minute < 1080 else 4

    def age_faixa(self, p: Person, day: int) -> int:
        return self.faixa[min(150, max(0, (day - p.birth) // 365))]

    def problem_columns(self, p: Person, day: int, dum: int, pid: int, problem: tuple) -> tuple:
        """co_dim_cid, co_dim_ciap, co_dim_situacao_problema, st_avaliado, nu_uuid_problema."""
        ciap, cid = problem[0], problem[1]
        codes = (self.cid[cid] if cid else 1, self.ciap[ciap] if ciap else 1)
        if len(problem) > 2:  # a Problem with its evolution data set
            _, _, situacao, name, avaliado = problem
            return (
                *codes,
                self.situacao[situacao],
                n(avaliado),
                problem_uuid(p.idx, name) if name else NULL,
            )
        if day < self.evolution_since:
            return (*codes, 1, NULL, NULL)
        code = problem[0] or problem[1]
        name = PROBLEM_KEYS.get(code)
        if name:  # chronic: active, now and then latent
            situacao = "1" if pid % 12 == 0 else "0"
        else:  # everyday complaints are mostly closed in the same encounter
            name = f"{code}:{dum}" if dum else code
            situacao = "2" if pid % 3 else "0"
        return (*codes, self.situacao[situacao], 1, problem_uuid(p.idx, name))

    # -- events ------------------------------------------------------------------------
    def event(self, p: Person, e: tuple, origin: str | None = None) -> list[tuple[str, int]]:
        """Write one event; returns (table key, id) of every row written.

        `origin` is the uuid of the person's first cadastro (for CAD events).
        """
        kind, processed, day = e[0], e[1], e[2]
        fat, cns, cpf = self.record(p, e[3])
        staff = e[4]
        key = self.cal.key(day)
        written: list[tuple[str, int]] = []
        take = self.take
        if kind == CAD:
            return self.cad(p, e, origin)
        dims = (staff.dim_id, staff.cbo_dim, staff.unit.dim_id, staff.team.dim_id)
        birth = self.cal.text(p.birth)
        sexo = self.sexo[p.sex]
        if kind == FAI:
            (problems, requested, evaluated, dum, weeks, tipo, local, minute) = e[5:13]
            particip, pa, peso, altura = e[13:17]
            fid = take("fai", processed)
            uuid = ficha_uuid(staff.unit.cnes, kind, fid)
            cids = [pr[1] for pr in problems if pr[1]]
            ciaps = [pr[0] for pr in problems if pr[0]]
            self.w["fai"].add(
                (
                    fid,
                    *dims,
                    key,
                    uuid,
                    cns,
                    birth,
                    self.age_faixa(p, day),
                    sexo,
                    self.turno(minute),
                    local,
                    self.tipo[tipo],
                    n(peso),
                    n(altura),
                    self.cal.key(dum) if dum else SENTINEL_KEY,
                    n(weeks),
                    pipes(cids),
                    pipes(ciaps),
                    pipes(evaluated),
                    pipes(requested),
                    fat,
                    self.stamp(day, minute),
                    self.stamp(day, minute + 20),
                    cpf,
                    int(tipo == "1"),
                    pa[0] if pa else NULL,
                    pa[1] if pa else NULL,
                    self.particip[particip],
                )
            )
            written.append(("fai", fid))
            for problem in problems:
                pid = take("problemas", processed)
                cid_id, ciap_id, situacao, avaliado, problem_id = self.problem_columns(
                    p, day, dum, pid, problem
                )
                self.w["problemas"].add(
                    (
                        pid,
                        fid,
                        *dims,
                        key,
                        uuid,
                        cns,
                        cid_id,
                        ciap_id,
                        fat,
                        cpf,
                        situacao,
                        avaliado,
                        problem_id,
                    )
                )
                written.append(("problemas", pid))
            for code in evaluated:
                rid = take("procedimentos", processed)
                self.w["procedimentos"].add(
                    (rid, fid, *dims, key, uuid, cns, self.proced[code], 1, fat, cpf)
                )
                written.append(("procedimentos", rid))
            for code in requested:
                rid = take("procedimentos", processed)
                self.w["procedimentos"].add(
                    (rid, fid, *dims, key, uuid, cns, 1, self.proced[code], fat, cpf)
                )
                written.append(("procedimentos", rid))
        elif kind == PROC:
            codes, escuta, minute, pa, peso, altura = e[5:11]
            aid = take("proced_atend", processed)
            uuid = ficha_uuid(staff.unit.cnes, kind, aid)
            turno = self.turno(minute)
            self.w["proced_atend"].add(
                (
                    aid,
                    aid,
                    *dims,
                    key,
                    sexo,
                    turno,
                    self.age_faixa(p, day),
                    escuta,
                    uuid,
                    cns,
                    birth,
                    pipes(codes),
                    fat,
                    self.stamp(day, minute),
                    self.stamp(day, minute + 10),
                    cpf,
                    n(peso),
                    n(altura),
                    pa[0] if pa else NULL,
                    pa[1] if pa else NULL,
                )
            )
            written.append(("proced_atend", aid))
            for code in codes:
                rid = take("proced_atend_proced", processed)
                self.w["proced_atend_proced"].add(
                    (
                        rid,
                        aid,
                        *dims,
                        key,
                        sexo,
                        turno,
                        escuta,
                        uuid,
                        cns,
                        birth,
                        self.proced[code],
                        fat,
                        cpf,
                    )
                )
                written.append(("proced_atend_proced", rid))
        elif kind == ODONTO:
            _, _, _, _, _, gestante, codes, consulta, minute = e
            oid = take("odonto", processed)
            uuid = ficha_uuid(staff.unit.cnes, kind, oid)
            self.w["odonto"].add(
                (
                    oid,
                    *dims,
                    key,
                    uuid,
                    cns,
                    birth,
                    self.age_faixa(p, day),
                    sexo,
                    self.turno(minute),
                    gestante,
                    3,
                    consulta,
                    pipes(codes),
                    fat,
                    self.stamp(day, minute),
                    self.stamp(day, minute + 30),
                    cpf,
                )
            )
            written.append(("odonto", oid))
        elif kind == VAC:
            _, _, _, _, _, doses, minute = e
            vid = take("vacinacao", processed)
            uuid = ficha_uuid(staff.unit.cnes, kind, vid)
            gest = int(any(g.dum <= day <= g.end for g in p.pregnancies))
            self.w["vacinacao"].add(
                (
                    vid,
                    *dims,
                    key,
                    self.age_faixa(p, day),
                    uuid,
                    self.turno(minute),
                    cns,
                    birth,
                    sexo,
                    gest,
                    pipes([d[0] for d in doses]),
                    pipes([d[1] for d in doses]),
                    fat,
                    self.stamp(day, minute),
                    self.stamp(day, minute + 10),
                    cpf,
                )
            )
            written.append(("vacinacao", vid))
            for imuno, dose, applied, anterior in doses:
                did = take("vacina", processed)
                self.w["vacina"].add(
                    (
                        did,
                        vid,
                        *dims,
                        key,
                        uuid,
                        self.imuno[imuno],
                        self.dose[dose],
                        f"L{(applied * 7) % 99991:05d}",
                        anterior,
                        self.cal.key(applied),
                    )
                )
                written.append(("vacina", did))
        elif kind == VISIT:
            desfecho, flags, pa, minute, peso, altura = e[5:11]
            wid = take("visita", processed)
            uuid = ficha_uuid(staff.unit.cnes, kind, wid)
            self.w["visita"].add(
                (
                    wid,
                    uuid,
                    *dims,
                    key,
                    self.turno(minute),
                    sexo,
                    p.microarea,
                    cns,
                    birth,
                    self.age_faixa(p, day),
                    desfecho,
                    *flags,
                    fat,
                    cpf,
                    n(pa),
                    n(peso),
                    n(altura),
                )
            )
            written.append(("visita", wid))
        return written

    def cad(self, p: Person, e: tuple, origin: str | None = None) -> list[tuple[str, int]]:
        (_, processed, day, _, acs, uuid, has, dm, gest, saida, first, last, smoker, recusa) = e
        cid = self.take("cad", processed)
        cds = self.take("cds_cad", processed)  # same as cid in create (same order)
        origin = origin or uuid
        household = self.world.households[p.household] if p.household >= 0 else None
        responsible = household.responsible if household else p.idx
        resp_fat = self.world.persons[responsible].fat_id if responsible != p.idx else NULL
        obito = self.cal.text(p.death) if saida == "135" and p.death else NULL
        # a version by another team's ACS (before a change of team) names that ACS's area
        microarea = p.microarea if acs.team is p.team else acs.microarea or "-"
        gender = None if recusa else p.gender
        self.w["cad"].add(
            (
                cid,
                uuid,
                origin,
                p.cns or NULL,
                self.cal.text(p.birth),
                acs.dim_id,
                acs.unit.dim_id,
                acs.team.dim_id,
                self.cal.key(day),
                self.sexo[p.sex],
                p.raca,
                acs.cbo_dim,
                self.age_faixa(p, day),
                int(responsible == p.idx),
                gest,
                smoker,
                has,
                dm,
                self.saida[saida] if saida else 1,
                obito,
                microarea,
                p.name,
                p.mother,
                p.phone or NULL,
                p.fat_id,
                resp_fat,
                p.cpf or NULL,
                recusa,
                self.genero[gender],
                int(gender is not None),
            )
        )
        self.w["cds_cad"].add(
            (
                cds,
                acs.unit.op_id,
                self.stamp(day, 600),
                acs.cbo_dim,
                uuid,
                int(responsible == p.idx),
                p.cns or NULL,
                p.name,
                self.cal.text(p.birth) + " 00:00:00",
                self.op_sexo[p.sex],
                p.mother,
                p.phone or NULL,
                int(not first),
                acs.cds_prof_id,
                origin,
                int(last),
                p.name.lower(),
                obito,
                microarea,
                p.cpf or NULL,
                recusa,
            )
        )
        return [("cad", cid), ("cds_cad", cds)]

    # -- people and households ---------------------------------------------------------
    def person_rows(self, p: Person, last_cad: tuple[int, str, int] | None, updated: int) -> None:
        """tb_fat_cidadao_pec, tb_cidadao, grupo, territorio and pregnancy rows of a person."""
        team = p.team
        vinc_team = team.dim_id if team else 1
        vinc_unit = team.unit.dim_id if team else 1
        dead = int(bool(p.death))
        birth_key = self.cal.key(p.birth)
        household = self.world.households[p.household] if p.household >= 0 else None
        records = [(p.fat_id, p.cid_id, p.cns, p.cpf, 0)]
        if p.dup_fat_id:
            records.append(
                (
                    p.dup_fat_id,
                    p.dup_cid_id,
                    None if p.dup_missing == "cns" else p.cns,
                    None if p.dup_missing == "cpf" else p.cpf,
                    1,
                )
            )
        for fat, cid, cns, cpf, dup in records:
            self.w["cidadao_pec"].add(
                (
                    fat,
                    cid,
                    n(cns),
                    p.name,
                    birth_key,
                    self.sexo[p.sex],
                    n(p.phone),
                    dead,
                    n(cpf),
                    vinc_unit,
                    vinc_team,
                    self.genero[p.gender],
                )
            )
            uuid_ficha, ficha_day = (
                (last_cad[1], self.cal.text(last_cad[2])) if last_cad else (NULL, NULL)
            )
            self.w["cidadao"].add(
                (
                    cid,
                    f"{cid:08d}-0000-4000-8000-{p.fat_id:012d}",
                    f"{fat:012d}",
                    p.microarea,
                    self.stamp(updated, 600 + (cid % 300)),
                    f"{p.fat_id:012x}-{cid:08x}-{dup}",
                    uuid_ficha,
                    ficha_day,
                    n(cpf),
                    n(cns),
                    p.name,
                    p.name.lower(),
                    self.cal.text(p.birth),
                    self.cal.text(p.death) if p.death else NULL,
                    p.mother,
                    p.mother.lower(),
                    dead,
                    household.street if household else NULL,
                    household.number if household else NULL,
                    household.bairro if household else NULL,
                    household.bairro.lower() if household else NULL,
                    n(p.phone),
                    dup,
                    "FEMININO" if p.sex == "F" else "MASCULINO",
                    p.raca,
                    int(p.cadsus_death),
                )
            )
            master = p.cid_id if p.dup_fat_id else NULL
            for tp, ident in ((1, cpf), (2, cns)):
                if ident:
                    self.grupo_id += 1
                    self.w["grupo"].add((self.grupo_id, ident, tp, fat, cid, master))
        if p.territorio_id:
            resp = household.responsible if household else p.idx
            resp_terr = self.world.persons[resp].territorio_id or p.territorio_id
            self.w["territorio"].add(
                (
                    p.territorio_id,
                    vinc_unit,
                    vinc_team,
                    p.microarea,
                    p.fat_id,
                    int(resp == p.idx),
                    int(p.moved_out),
                    int(not p.death),
                    household.idx + 1 if household and household.registered else NULL,
                    resp_terr,
                    last_cad[0] if last_cad else NULL,
                )
            )
        for g in p.pregnancies:
            self.rel_id += 1
            weeks = (min(g.end, self.world.reference.toordinal()) - g.dum) // 7
            self.w["rel_gestante"].add(
                (
                    self.rel_id,
                    p.fat_id,
                    self.cal.text(g.dum),
                    self.cal.text(g.dum) if g.dum_known else NULL,
                    weeks,
                )
            )

    def household_rows(self, h: Household, day: int, uuid: str) -> None:
        if not h.registered:
            return
        team = h.team
        acs = next(
            (s for s in team.staff["acs"] if s.microarea == h.microarea), team.staff["acs"][0]
        )
        resp = self.world.persons[h.responsible]
        hid = h.idx + 1
        self.w["cad_domiciliar"].add(
            (
                hid,
                uuid,
                len(h.members),
                3 + hid % 4,
                acs.dim_id,
                acs.unit.dim_id,
                team.dim_id,
                self.cal.key(day),
                acs.cbo_dim,
                h.microarea,
                h.street,
                h.number,
                h.bairro,
                f"{50000000 + hid * 7 % 999999:08d}",
            )
        )
        self.w["dom_familia"].add(
            (
                hid,
                uuid,
                acs.dim_id,
                acs.unit.dim_id,
                team.dim_id,
                self.cal.key(day),
                acs.cbo_dim,
                resp.cns or NULL,
                self.cal.text(resp.birth),
                hid,
                h.microarea,
                len(h.members),
                resp.fat_id,
                resp.cpf or NULL,
            )
        )
        self.w["familia_territorio"].add(
            (
                hid,
                acs.unit.dim_id,
                team.dim_id,
                uuid,
                resp.fat_id,
                hid,
                self.cal.key(day),
                h.microarea,
                int(not resp.death),
                resp.territorio_id,
            )
        )

    def flush(self, conn: psycopg.Connection) -> None:
        # People before their facts: advance loads into tables whose FKs are already in place.
        for key in (*PERSON_TABLES, *FACT_TABLES):
            self.w[key].flush(conn)

    def counts(self) -> dict[str, int]:
        return {ALL_KEYS[k]: w.count for k, w in self.w.items()}
