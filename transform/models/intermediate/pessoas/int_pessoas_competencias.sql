-- Each person's link in each competência the build computes (macro competencias(): R's month
-- and the 11 before), the population base of the quality component (C2-C7). The Cadastro
-- Individual version in force at dt_corte (the latest dated on or before it, refusals left out)
-- gives the team, unit, microárea, sex, gender identity and exit; without one, or when it names
-- no team, the PEC's current link (tb_fat_cidadao_pec.co_dim_equipe_vinc) does. Exits: a death
-- dated on or before the month's end (tb_cidadao.dt_obito), a death flag without any date
-- (every month), or an exit 135 (óbito) / 136 (mudança de território) in the version in force.
-- Only people with a team (of any type) in the month have a row; is_vinculado says whether
-- they are in the component's populations (eSF/eAP team, not exited). The chronic conditions
-- of C4 (diabetes_c4) and C5 (hipertensao_c5) are active in the month when a médico or
-- enfermeiro assessed them in an FAI since 2013, up to dt_corte, and the latest situation up to
-- dt_corte of at least one of the person's problems of the list (one per nu_uuid_problema,
-- each row without one its own) is not resolvido (LEDI 2); rows without a situation (older PEC
-- versions) are active.
with

competencias as (

    {{ competencias() }}

),

pessoas as (

    select * from {{ ref('int_pessoas_consolidadas') }}
    where {{ escopo_municipio() }}

),

cidadaos_unificados as (

    select * from {{ ref('int_cidadaos_unificados') }}
    where {{ escopo_municipio() }}

),

cadastros as (

    select * from {{ ref('stg_pec__fat_cad_individual') }}
    where
        {{ escopo_municipio() }}
        and dt_cadastro is not null
        and not coalesce(is_recusa_cadastro, false)

),

equipes as (

    select * from {{ ref('int_equipes_tipificadas') }}
    where {{ escopo_municipio() }}

),

unidades as (

    select * from {{ ref('stg_pec__dim_unidade_saude') }}
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

tipos_saida as (

    select * from {{ ref('stg_pec__dim_tipo_saida_cadastro') }}
    where {{ escopo_municipio() }}

),

condicoes_cronicas as (

    select * from {{ ref('int_condicoes_avaliadas') }}
    where
        {{ escopo_municipio() }}
        and condicao in ('diabetes_c4', 'hipertensao_c5')
        and is_medico_enfermeiro
        and coalesce(is_avaliado, true)
        and dt_atendimento >= date '2013-01-01'

),

situacoes_vigentes as (

    select distinct on (
        condicoes_cronicas.co_municipio_ibge,
        condicoes_cronicas.co_pessoa,
        competencias.dt_competencia,
        condicoes_cronicas.condicao,
        coalesce(
            condicoes_cronicas.nu_uuid_problema,
            condicoes_cronicas.co_seq_fat_atend_ind_problemas::text
        )
    )
        condicoes_cronicas.co_municipio_ibge,
        condicoes_cronicas.co_pessoa,
        competencias.dt_competencia,
        condicoes_cronicas.condicao,
        condicoes_cronicas.nu_situacao_problema
    from condicoes_cronicas
    inner join competencias
        on condicoes_cronicas.dt_atendimento <= competencias.dt_corte
    order by
        condicoes_cronicas.co_municipio_ibge asc,
        condicoes_cronicas.co_pessoa asc,
        competencias.dt_competencia asc,
        condicoes_cronicas.condicao asc,
        coalesce(
            condicoes_cronicas.nu_uuid_problema,
            condicoes_cronicas.co_seq_fat_atend_ind_problemas::text
        ),
        condicoes_cronicas.dt_atendimento desc,
        condicoes_cronicas.co_seq_fat_atend_ind_problemas desc

),

condicoes_ativas as (

    select
        co_municipio_ibge,
        co_pessoa,
        dt_competencia,
        bool_or(condicao = 'diabetes_c4' and coalesce(nu_situacao_problema <> '2', true))
            as is_diabetes_ativa,
        bool_or(condicao = 'hipertensao_c5' and coalesce(nu_situacao_problema <> '2', true))
            as is_hipertensao_ativa
    from situacoes_vigentes
    group by co_municipio_ibge, co_pessoa, dt_competencia

),

cadastros_da_pessoa as (

    select
        cadastros.*,
        cidadaos_unificados.co_pessoa
    from cadastros
    inner join cidadaos_unificados
        on
            cadastros.co_municipio_ibge = cidadaos_unificados.co_municipio_ibge
            and cadastros.co_fat_cidadao_pec = cidadaos_unificados.co_seq_fat_cidadao_pec

),

cadastros_vigentes as (

    select distinct on (
        cadastros_da_pessoa.co_municipio_ibge,
        cadastros_da_pessoa.co_pessoa,
        competencias.dt_competencia
    )
        cadastros_da_pessoa.co_municipio_ibge,
        cadastros_da_pessoa.co_pessoa,
        competencias.dt_competencia,
        cadastros_da_pessoa.co_dim_equipe,
        cadastros_da_pessoa.co_dim_unidade_saude,
        cadastros_da_pessoa.nu_micro_area,
        cadastros_da_pessoa.co_dim_sexo,
        cadastros_da_pessoa.co_dim_identidade_genero,
        cadastros_da_pessoa.co_dim_tipo_saida_cadastro
    from cadastros_da_pessoa
    inner join competencias
        on cadastros_da_pessoa.dt_cadastro <= competencias.dt_corte
    order by
        cadastros_da_pessoa.co_municipio_ibge asc,
        cadastros_da_pessoa.co_pessoa asc,
        competencias.dt_competencia asc,
        cadastros_da_pessoa.dt_cadastro desc,
        cadastros_da_pessoa.co_seq_fat_cad_individual desc

),

vinculos as (

    select
        pessoas.co_municipio_ibge,
        pessoas.co_pessoa,
        competencias.dt_competencia,
        competencias.dt_fim_competencia,
        competencias.dt_corte,
        pessoas.dt_nascimento,
        pessoas.dt_obito,
        pessoas.is_obito_informado,
        pessoas.nu_sexo as nu_sexo_cidadao,
        pessoas.nu_identidade_genero as nu_identidade_genero_cidadao,
        cadastros_vigentes.co_dim_sexo,
        cadastros_vigentes.co_dim_identidade_genero,
        cadastros_vigentes.co_dim_tipo_saida_cadastro,
        cadastros_vigentes.nu_micro_area,
        -- the team and its unit come together from one source
        coalesce(cadastros_vigentes.co_dim_equipe, pessoas.co_dim_equipe_vinc) as co_dim_equipe,
        case
            when cadastros_vigentes.co_dim_equipe is not null
                then cadastros_vigentes.co_dim_unidade_saude
            else pessoas.co_dim_unidade_saude_vinc
        end as co_dim_unidade_saude
    from pessoas
    cross join competencias
    left join cadastros_vigentes
        on
            pessoas.co_municipio_ibge = cadastros_vigentes.co_municipio_ibge
            and pessoas.co_pessoa = cadastros_vigentes.co_pessoa
            and competencias.dt_competencia = cadastros_vigentes.dt_competencia
    where coalesce(pessoas.dt_nascimento <= competencias.dt_fim_competencia, true)

),

final as (

    select
        vinculos.co_municipio_ibge,
        vinculos.co_pessoa,
        vinculos.dt_competencia,
        vinculos.dt_fim_competencia,
        vinculos.dt_corte,
        equipes.nu_ine,
        equipes.no_equipe,
        equipes.nu_tipo_equipe,
        equipes.ds_tipo_equipe,
        equipes.is_equipe_elegivel,
        unidades.nu_cnes,
        unidades.no_unidade_saude,
        vinculos.nu_micro_area,
        {{ idade_anos('vinculos.dt_nascimento', 'vinculos.dt_fim_competencia') }} as nu_idade,
        coalesce(sexos.nu_identificador, vinculos.nu_sexo_cidadao) as nu_sexo,
        coalesce(identidades_genero.nu_identificador, vinculos.nu_identidade_genero_cidadao)
            as nu_identidade_genero,
        (
            coalesce(vinculos.dt_obito <= vinculos.dt_fim_competencia, false)
            or (vinculos.dt_obito is null and vinculos.is_obito_informado)
            or coalesce(tipos_saida.nu_identificador = '135', false)
        ) as is_falecido,
        coalesce(tipos_saida.nu_identificador = '136', false) as is_mudou_territorio,
        coalesce(condicoes_ativas.is_diabetes_ativa, false) as is_diabetes_ativa,
        coalesce(condicoes_ativas.is_hipertensao_ativa, false) as is_hipertensao_ativa
    from vinculos
    inner join equipes
        on
            vinculos.co_municipio_ibge = equipes.co_municipio_ibge
            and vinculos.co_dim_equipe = equipes.co_seq_dim_equipe
    left join unidades
        on
            vinculos.co_municipio_ibge = unidades.co_municipio_ibge
            and vinculos.co_dim_unidade_saude = unidades.co_seq_dim_unidade_saude
    left join sexos
        on
            vinculos.co_municipio_ibge = sexos.co_municipio_ibge
            and vinculos.co_dim_sexo = sexos.co_seq_dim_sexo
    left join identidades_genero
        on
            vinculos.co_municipio_ibge = identidades_genero.co_municipio_ibge
            and vinculos.co_dim_identidade_genero
            = identidades_genero.co_seq_dim_identidade_genero
    left join tipos_saida
        on
            vinculos.co_municipio_ibge = tipos_saida.co_municipio_ibge
            and vinculos.co_dim_tipo_saida_cadastro = tipos_saida.co_seq_dim_tipo_saida_cadastro
    left join condicoes_ativas
        on
            vinculos.co_municipio_ibge = condicoes_ativas.co_municipio_ibge
            and vinculos.co_pessoa = condicoes_ativas.co_pessoa
            and vinculos.dt_competencia = condicoes_ativas.dt_competencia

),

com_populacao as (

    select
        *,
        is_equipe_elegivel and not is_falecido and not is_mudou_territorio as is_vinculado
    from final

)

select * from com_populacao
