-- The latest version of each person's Cadastro Individual (tb_fat_cad_individual keeps one
-- row per creation/update): the version with the latest date, then the highest id, over all
-- the tb_fat_cidadao_pec rows of the person. Self-reported conditions come from this version
-- only, so a later "no" revokes an earlier "yes".
with

cadastros as (

    select * from {{ ref('stg_pec__fat_cad_individual') }}
    where {{ escopo_municipio() }}

),

cidadaos_unificados as (

    select * from {{ ref('int_cidadaos_unificados') }}
    where {{ escopo_municipio() }}

),

equipes as (

    select * from {{ ref('stg_pec__dim_equipe') }}
    where {{ escopo_municipio() }}

),

unidades as (

    select * from {{ ref('stg_pec__dim_unidade_saude') }}
    where {{ escopo_municipio() }}

),

tipos_saida as (

    select * from {{ ref('stg_pec__dim_tipo_saida_cadastro') }}
    where {{ escopo_municipio() }}

),

cadastros_ordenados as (

    select
        cadastros.co_municipio_ibge,
        cidadaos_unificados.co_pessoa,
        cadastros.co_seq_fat_cad_individual,
        cadastros.co_fat_cidadao_pec,
        cadastros.dt_cadastro,
        cadastros.co_dim_equipe,
        cadastros.co_dim_unidade_saude,
        cadastros.co_dim_tipo_saida_cadastro,
        cadastros.nu_micro_area,
        cadastros.is_hipertensao_arterial,
        cadastros.is_diabete,
        cadastros.is_gestante,
        cadastros.is_ficha_inativa,
        count(*) over (
            partition by cadastros.co_municipio_ibge, cidadaos_unificados.co_pessoa
        ) as nu_versoes,
        row_number() over (
            partition by cadastros.co_municipio_ibge, cidadaos_unificados.co_pessoa
            order by cadastros.dt_cadastro desc nulls last, cadastros.co_seq_fat_cad_individual desc
        ) as nu_ordem
    from cadastros
    inner join cidadaos_unificados
        on
            cadastros.co_municipio_ibge = cidadaos_unificados.co_municipio_ibge
            and cadastros.co_fat_cidadao_pec = cidadaos_unificados.co_seq_fat_cidadao_pec

),

ultimas_versoes as (

    select
        cadastros_ordenados.co_municipio_ibge,
        cadastros_ordenados.co_pessoa,
        cadastros_ordenados.co_seq_fat_cad_individual,
        cadastros_ordenados.co_fat_cidadao_pec,
        cadastros_ordenados.dt_cadastro,
        cadastros_ordenados.nu_versoes,
        equipes.nu_ine,
        equipes.no_equipe,
        unidades.nu_cnes,
        unidades.no_unidade_saude,
        cadastros_ordenados.nu_micro_area,
        tipos_saida.nu_identificador as nu_tipo_saida_cadastro,
        coalesce(tipos_saida.nu_identificador = '135', false) as is_saida_obito,
        coalesce(tipos_saida.nu_identificador = '136', false) as is_saida_mudanca,
        coalesce(cadastros_ordenados.is_hipertensao_arterial, false) as is_hipertensao_arterial,
        coalesce(cadastros_ordenados.is_diabete, false) as is_diabete,
        coalesce(cadastros_ordenados.is_gestante, false) as is_gestante,
        coalesce(cadastros_ordenados.is_ficha_inativa, false) as is_ficha_inativa
    from cadastros_ordenados
    left join equipes
        on
            cadastros_ordenados.co_municipio_ibge = equipes.co_municipio_ibge
            and cadastros_ordenados.co_dim_equipe = equipes.co_seq_dim_equipe
    left join unidades
        on
            cadastros_ordenados.co_municipio_ibge = unidades.co_municipio_ibge
            and cadastros_ordenados.co_dim_unidade_saude = unidades.co_seq_dim_unidade_saude
    left join tipos_saida
        on
            cadastros_ordenados.co_municipio_ibge = tipos_saida.co_municipio_ibge
            and cadastros_ordenados.co_dim_tipo_saida_cadastro
            = tipos_saida.co_seq_dim_tipo_saida_cadastro
    where cadastros_ordenados.nu_ordem = 1

)

select * from ultimas_versoes
