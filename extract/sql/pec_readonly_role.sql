-- GENERATED from extract/contract.yml by `transmissor municipio role-sql`: do not edit.
--
-- Read-only role for transmissor on a banco do município (e-SUS APS PEC), PostgreSQL 9.6+.
-- Run it as the PEC's database owner or a superuser, connected to the PEC database:
--
--     psql -v ON_ERROR_STOP=1 -h <host> -U postgres -d esus -f pec_readonly_role.sql
--     psql -h <host> -U postgres -d esus -c '\password transmissor_leitura'
--
-- The role gets: LOGIN; CONNECT on this database; USAGE on schema public; SELECT on
-- exactly the 33 tables and columns transmissor replicates
-- (extract/contract.yml). Nothing else: no other table, no write, no DDL, no superuser
-- or replication attributes, and every session starts read-only.
-- Re-running the script is safe: it revokes whatever else the role was granted on the
-- schema's tables and grants the contract again (e.g. after an update of transmissor
-- adds a column). Columns an older PEC lacks are skipped with a WARNING;
-- `transmissor municipio check <IBGE>` reports them.
--
-- Then give the password to the transmissor operator, who stores it in PEC_PASSWORD_<IBGE>,
-- and allow the role in pg_hba.conf with TLS only, e.g.
--     hostssl  esus  transmissor_leitura  <transmissor address>/32  scram-sha-256
-- (md5 instead of scram-sha-256 before PostgreSQL 10)

BEGIN;

DO $role$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'transmissor_leitura') THEN
        CREATE ROLE transmissor_leitura LOGIN;
    END IF;
END
$role$;

-- Whatever the role was before, it is now a plain login role (re-runs repair drift).
ALTER ROLE transmissor_leitura LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;
-- Every session starts read-only: a second lock behind the missing privileges.
ALTER ROLE transmissor_leitura SET default_transaction_read_only = on;

DO $grants$
DECLARE
    wanted RECORD;
    col TEXT;
    present TEXT[];
    missing TEXT[];
BEGIN
    EXECUTE 'GRANT CONNECT ON DATABASE ' || quote_ident(current_database()) || ' TO transmissor_leitura';
    EXECUTE 'GRANT USAGE ON SCHEMA public TO transmissor_leitura';
    -- Start from nothing on every table of the schema (column grants go with the table's).
    EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM transmissor_leitura';
    EXECUTE 'REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM transmissor_leitura';
    FOR wanted IN
        SELECT t.table_name, t.column_list FROM (VALUES
        ('tb_fat_atendimento_individual', 'co_seq_fat_atd_ind,co_fat_cidadao_pec,co_dim_tempo,co_dim_cbo_1,co_dim_cbo_2,co_dim_equipe_1,co_dim_equipe_2,co_dim_unidade_saude_1,co_dim_unidade_saude_2,co_dim_tipo_atendimento,co_dim_local_atendimento,co_dim_sexo,co_dim_tempo_dum,nu_idade_gestacional_semanas,nu_peso,nu_altura,ds_filtro_cids,ds_filtro_ciaps,ds_filtro_proced_avaliados,ds_filtro_proced_solicitados,dt_inicial_atendimento,nu_pressao_sistolica,nu_pressao_diastolica,co_dim_tp_particip_cidadao'),
        ('tb_fat_atd_ind_problemas', 'co_seq_fat_atend_ind_problemas,co_fat_atd_ind,co_fat_cidadao_pec,co_dim_tempo,co_dim_cid,co_dim_ciap,co_dim_cbo_1,co_dim_cbo_2,co_dim_equipe_1,co_dim_unidade_saude_1,co_dim_situacao_problema,st_avaliado,nu_uuid_problema'),
        ('tb_fat_atd_ind_procedimentos', 'co_seq_fat_atend_ind_proced,co_fat_atd_ind,co_fat_cidadao_pec,co_dim_tempo,co_dim_procedimento_solicitado,co_dim_procedimento_avaliado,co_dim_cbo_1,co_dim_equipe_1,co_dim_unidade_saude_1'),
        ('tb_fat_proced_atend_proced', 'co_seq_fat_proced_atend_proced,co_fat_procedimento,co_fat_cidadao_pec,co_dim_tempo,co_dim_procedimento,co_dim_cbo,co_dim_equipe,co_dim_unidade_saude'),
        ('tb_fat_proced_atend', 'co_seq_fat_proced_atend,co_fat_cidadao_pec,co_dim_tempo,co_dim_cbo,co_dim_equipe,co_dim_unidade_saude,st_escuta_inicial,nu_peso,nu_altura,nu_pressao_sistolica,nu_pressao_diastolica'),
        ('tb_fat_cad_individual', 'co_seq_fat_cad_individual,co_fat_cidadao_pec,co_dim_tempo,co_dim_equipe,co_dim_unidade_saude,co_dim_sexo,co_dim_tipo_saida_cadastro,nu_micro_area,st_hipertensao_arterial,st_diabete,st_gestante,st_ficha_inativa,nu_uuid_ficha,co_dim_identidade_genero,st_recusa_cadastro'),
        ('tb_fat_visita_domiciliar', 'co_seq_fat_visita_domiciliar,co_fat_cidadao_pec,co_dim_tempo,co_dim_cbo,co_dim_equipe,co_dim_unidade_saude,co_dim_desfecho_visita,st_acomp_gestante,st_acomp_pessoa_hipertensao,st_acomp_pessoa_diabetes,nu_medicao_pressao_arterial,nu_peso,nu_altura,st_acomp_recem_nascido,st_acomp_crianca'),
        ('tb_fat_atendimento_odonto', 'co_seq_fat_atd_odnt,co_fat_cidadao_pec,co_dim_tempo,co_dim_cbo_1,co_dim_equipe_1,co_dim_unidade_saude_1,st_gestante'),
        ('tb_fat_vacinacao', 'co_seq_fat_vacinacao,co_fat_cidadao_pec,co_dim_tempo,co_dim_cbo,co_dim_equipe,co_dim_unidade_saude,st_gestante'),
        ('tb_fat_vacinacao_vacina', 'co_seq_fat_vacinacao_vacina,co_fat_vacinacao,co_dim_tempo,co_dim_tempo_vacina_aplicada,co_dim_imunobiologico,co_dim_dose_imunobiologico,co_dim_cbo,co_dim_equipe,co_dim_unidade_saude,st_registro_anterior'),
        ('tb_cidadao', 'co_seq_cidadao,dt_atualizado,st_ativo,st_faleceu,st_unificado,dt_obito,co_unico_ultima_ficha,nu_micro_area,st_dados_obito_cadsus'),
        ('tb_fat_cidadao_pec', 'co_seq_fat_cidadao_pec,co_cidadao,no_cidadao,no_social_cidadao,nu_cpf_cidadao,nu_cns,co_dim_tempo_nascimento,co_dim_sexo,nu_telefone_celular,st_faleceu,st_deletar,co_dim_unidade_saude_vinc,co_dim_equipe_vinc,co_dim_identidade_genero'),
        ('tb_fat_cidadao_territorio', 'co_seq_fat_cidadao_territorio,co_fat_cidadao_pec,co_fat_cad_individual,co_dim_equipe,co_dim_unidade_saude,nu_micro_area,st_mudou_se,st_vivo,st_cidadao_consistente'),
        ('tb_dim_cidadao_pec_grupo', 'co_seq_dim_cidadao_pec_grupo,tp_identificacao,co_fat_cidadao_pec,co_cidadao,co_cidadao_master'),
        ('tb_equipe', 'co_seq_equipe,nu_ine,tp_equipe,st_ativo'),
        ('tb_tipo_equipe', 'co_seq_tipo_equipe,nu_ms,sg_tipo_equipe'),
        ('tb_dim_municipio', 'co_seq_dim_municipio,no_municipio,co_ibge'),
        ('tb_dim_equipe', 'co_seq_dim_equipe,nu_ine,no_equipe,st_registro_valido'),
        ('tb_dim_unidade_saude', 'co_seq_dim_unidade_saude,nu_cnes,no_unidade_saude,st_registro_valido'),
        ('tb_dim_cbo', 'co_seq_dim_cbo,nu_cbo,no_cbo'),
        ('tb_dim_cid', 'co_seq_dim_cid,nu_cid,no_cid'),
        ('tb_dim_ciap', 'co_seq_dim_ciap,nu_ciap,no_ciap'),
        ('tb_dim_procedimento', 'co_seq_dim_procedimento,co_proced,ds_proced,co_seq_dim_proced_ref_ab'),
        ('tb_dim_desfecho_visita', 'co_seq_dim_desfecho_visita,nu_identificador'),
        ('tb_dim_tipo_saida_cadastro', 'co_seq_dim_tipo_saida_cadastro,nu_identificador'),
        ('tb_dim_sexo', 'co_seq_dim_sexo,nu_identificador,ds_sexo'),
        ('tb_dim_tipo_atendimento', 'co_seq_dim_tipo_atendimento,nu_identificador,ds_tipo_atendimento'),
        ('tb_dim_local_atendimento', 'co_seq_dim_local_atendimento,nu_identificador,ds_local_atendimento'),
        ('tb_dim_imunobiologico', 'co_seq_dim_imunobiologico,nu_identificador,sg_imunobiologico,no_imunobiologico'),
        ('tb_dim_dose_imunobiologico', 'co_seq_dim_dose_imunobiologico,nu_identificador,sg_dose_imunobiologico,no_dose_imunobiologico'),
        ('tb_dim_tipo_participacao_atend', 'co_seq_dim_tp_particip_atend,nu_identificador'),
        ('tb_dim_situacao_problema', 'co_seq_dim_situacao,nu_identificador'),
        ('tb_dim_identidade_genero', 'co_seq_dim_identidade_genero,nu_identificador,ds_identidade_genero')
        ) AS t (table_name, column_list)
    LOOP
        present := ARRAY[]::TEXT[];
        missing := ARRAY[]::TEXT[];
        FOREACH col IN ARRAY string_to_array(wanted.column_list, ',') LOOP
            IF EXISTS (
                SELECT 1
                FROM pg_catalog.pg_attribute a
                JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relname = wanted.table_name
                  AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped
            ) THEN
                present := present || quote_ident(col);
            ELSE
                missing := missing || col;
            END IF;
        END LOOP;
        IF array_length(present, 1) IS NULL THEN
            RAISE WARNING 'transmissor: table public.% is missing: not granted',
                wanted.table_name;
        ELSE
            EXECUTE 'GRANT SELECT (' || array_to_string(present, ', ') || ') ON TABLE public.'
                || quote_ident(wanted.table_name) || ' TO transmissor_leitura';
            IF array_length(missing, 1) IS NOT NULL THEN
                RAISE WARNING 'transmissor: public.% lacks column(s) %: not granted',
                    wanted.table_name, array_to_string(missing, ', ');
            END IF;
        END IF;
    END LOOP;
END
$grants$;

COMMIT;

-- Optional, recommended on PostgreSQL 14 and older, where every role may create tables in
-- schema public (PostgreSQL 15 no longer allows it). It changes the database for all roles,
-- so check with the PEC's maintainers first; `transmissor municipio check` warns until then:
--     REVOKE CREATE ON SCHEMA public FROM PUBLIC;
