-- One row per person (co_pessoa, see int_cidadaos_unificados): identity from the newest
-- tb_fat_cidadao_pec row that has each value, the team and unit the person is linked to
-- (tb_fat_cidadao_pec vínculo, else the latest Cadastro Individual), and death from any
-- source (tb_fat_cidadao_pec.st_faleceu, tb_cidadao.st_faleceu/dt_obito/st_dados_obito_cadsus,
-- registration exit 135). The PEC's own link (co_dim_equipe_vinc) and the person's gender
-- identity and documents are kept for the quality component (int_pessoas_competencias).
{%- set ordem = 'co_seq_fat_cidadao_pec' %}

with

cidadaos as (

    select * from {{ ref('stg_pec__fat_cidadao_pec') }}
    where {{ escopo_municipio() }}

),

cidadaos_unificados as (

    select * from {{ ref('int_cidadaos_unificados') }}
    where {{ escopo_municipio() }}

),

cadastros_ultimas_versoes as (

    select * from {{ ref('int_cadastros_ultimas_versoes') }}
    where {{ escopo_municipio() }}

),

cidadaos_operacionais as (

    select * from {{ ref('stg_pec__cidadao') }}
    where {{ escopo_municipio() }}

),

sexos as (

    select * from {{ ref('stg_pec__dim_sexo') }}
    where {{ escopo_municipio() }}

),

identidades_genero as (

    select * from {{ ref('stg_pec__dim_identidade_genero') }}
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

registros as (

    select
        cidadaos.*,
        cidadaos_unificados.co_pessoa,
        cidadaos_unificados.nu_registros_pessoa,
        cidadaos_unificados.ds_tipos_ligacao,
        cidadaos_operacionais.is_faleceu as is_faleceu_cidadao,
        cidadaos_operacionais.is_dados_obito_cadsus,
        cidadaos_operacionais.dt_obito
    from cidadaos
    inner join cidadaos_unificados
        on
            cidadaos.co_municipio_ibge = cidadaos_unificados.co_municipio_ibge
            and cidadaos.co_seq_fat_cidadao_pec = cidadaos_unificados.co_seq_fat_cidadao_pec
    left join cidadaos_operacionais
        on
            cidadaos.co_municipio_ibge = cidadaos_operacionais.co_municipio_ibge
            and cidadaos.co_cidadao = cidadaos_operacionais.co_seq_cidadao

),

pessoas_agregadas as (

    select
        co_municipio_ibge,
        co_pessoa,
        max(nu_registros_pessoa) as nu_registros_pessoa,
        max(ds_tipos_ligacao) as ds_tipos_ligacao,
        string_agg(co_seq_fat_cidadao_pec::text, ',' order by co_seq_fat_cidadao_pec)
            as ds_registros_cidadao_pec,
        {{ ultimo_valor('no_cidadao', ordem) }} as no_cidadao,
        {{ ultimo_valor('no_social_cidadao', ordem) }} as no_social_cidadao,
        {{ ultimo_valor('dt_nascimento', ordem) }} as dt_nascimento,
        {{ ultimo_valor('nu_cpf_cidadao', ordem) }} as nu_cpf,
        {{ ultimo_valor('nu_cns', ordem) }} as nu_cns,
        {{ ultimo_valor('nu_telefone_celular', ordem) }} as nu_telefone_celular,
        {{ ultimo_valor('co_dim_sexo', ordem) }} as co_dim_sexo,
        {{ ultimo_valor('co_dim_equipe_vinc', ordem) }} as co_dim_equipe_vinc,
        {{ ultimo_valor('co_dim_unidade_saude_vinc', ordem) }} as co_dim_unidade_saude_vinc,
        {{ ultimo_valor('co_dim_identidade_genero', ordem) }} as co_dim_identidade_genero,
        coalesce(bool_or(is_faleceu), false) as is_faleceu_fato,
        coalesce(bool_or(is_faleceu_cidadao), false) as is_faleceu_cidadao,
        coalesce(bool_or(is_dados_obito_cadsus), false) as is_dados_obito_cadsus,
        max(dt_obito) as dt_obito
    from registros
    group by co_municipio_ibge, co_pessoa

),

pessoas as (

    select
        pessoas_agregadas.co_municipio_ibge,
        pessoas_agregadas.co_pessoa,
        pessoas_agregadas.ds_registros_cidadao_pec,
        pessoas_agregadas.nu_registros_pessoa,
        pessoas_agregadas.ds_tipos_ligacao,
        pessoas_agregadas.no_cidadao,
        pessoas_agregadas.no_social_cidadao,
        pessoas_agregadas.dt_nascimento,
        pessoas_agregadas.nu_cpf,
        pessoas_agregadas.nu_cns,
        pessoas_agregadas.nu_telefone_celular,
        sexos.nu_identificador as nu_sexo,
        sexos.ds_sexo,
        identidades_genero.nu_identificador as nu_identidade_genero,
        {{ documento_valido('pessoas_agregadas.nu_cpf', 'pessoas_agregadas.nu_cns') }}
            as has_documento_valido,
        pessoas_agregadas.co_dim_equipe_vinc,
        pessoas_agregadas.co_dim_unidade_saude_vinc,
        coalesce(equipes.nu_ine, cadastros_ultimas_versoes.nu_ine) as nu_ine,
        case
            when equipes.nu_ine is not null then equipes.no_equipe
            else cadastros_ultimas_versoes.no_equipe
        end as no_equipe,
        coalesce(unidades.nu_cnes, cadastros_ultimas_versoes.nu_cnes) as nu_cnes,
        case
            when unidades.nu_cnes is not null then unidades.no_unidade_saude
            else cadastros_ultimas_versoes.no_unidade_saude
        end as no_unidade_saude,
        cadastros_ultimas_versoes.nu_micro_area,
        pessoas_agregadas.dt_obito,
        (
            pessoas_agregadas.is_faleceu_fato
            or pessoas_agregadas.is_faleceu_cidadao
            or pessoas_agregadas.is_dados_obito_cadsus
        ) as is_obito_informado,
        (
            pessoas_agregadas.is_faleceu_fato
            or pessoas_agregadas.is_faleceu_cidadao
            or pessoas_agregadas.is_dados_obito_cadsus
            or pessoas_agregadas.dt_obito is not null
            or coalesce(cadastros_ultimas_versoes.is_saida_obito, false)
        ) as is_falecido
    from pessoas_agregadas
    left join sexos
        on
            pessoas_agregadas.co_municipio_ibge = sexos.co_municipio_ibge
            and pessoas_agregadas.co_dim_sexo = sexos.co_seq_dim_sexo
    left join identidades_genero
        on
            pessoas_agregadas.co_municipio_ibge = identidades_genero.co_municipio_ibge
            and pessoas_agregadas.co_dim_identidade_genero
            = identidades_genero.co_seq_dim_identidade_genero
    left join equipes
        on
            pessoas_agregadas.co_municipio_ibge = equipes.co_municipio_ibge
            and pessoas_agregadas.co_dim_equipe_vinc = equipes.co_seq_dim_equipe
    left join unidades
        on
            pessoas_agregadas.co_municipio_ibge = unidades.co_municipio_ibge
            and pessoas_agregadas.co_dim_unidade_saude_vinc = unidades.co_seq_dim_unidade_saude
    left join cadastros_ultimas_versoes
        on
            pessoas_agregadas.co_municipio_ibge = cadastros_ultimas_versoes.co_municipio_ibge
            and pessoas_agregadas.co_pessoa = cadastros_ultimas_versoes.co_pessoa

)

select * from pessoas
