-- Lista nominal for cervical cancer screening (Previne Brasil indicator 4): living women
-- (LEDI sex 1) aged 25 to 64 at Q, the end of R's quadrimester. Numerator: a cytology
-- collection (SIGTAP 0201020033 or ABPG010) performed by a médico or enfermeiro within
-- [Q - 36 months, Q], both ends included.
with

parametros as (

    {{ parametros_referencia() }}

),

pessoas as (

    select * from {{ ref('int_pessoas_consolidadas') }}
    where {{ escopo_municipio() }} and not is_falecido and nu_sexo = '1'

),

procedimentos as (

    select * from {{ ref('int_procedimentos_registrados') }}
    where
        {{ escopo_municipio() }}
        and procedimento = 'citopatologico'
        and modo = 'realizado'
        and categoria_profissional in ('medico', 'enfermeiro')
        and dt_procedimento <= {{ data_referencia() }}

),

exames_por_pessoa as (

    select
        co_municipio_ibge,
        co_pessoa,
        max(dt_procedimento) as dt_ultimo_citopatologico
    from procedimentos
    group by co_municipio_ibge, co_pessoa

),

lista as (

    select
        pessoas.co_municipio_ibge,
        pessoas.co_pessoa,
        {{ colunas_pessoa_previne() }},
        extract(year from age(parametros.dt_fim_quadrimestre, pessoas.dt_nascimento))::int
            as nu_idade_fim_quadrimestre,
        exames_por_pessoa.dt_ultimo_citopatologico,
        parametros.dt_referencia,
        parametros.ds_quadrimestre,
        parametros.dt_inicio_quadrimestre,
        parametros.dt_fim_quadrimestre,
        {{ meses_antes('parametros.dt_fim_quadrimestre', 36) }} as dt_inicio_janela,
        coalesce(
            exames_por_pessoa.dt_ultimo_citopatologico
            >= {{ meses_antes('parametros.dt_fim_quadrimestre', 36) }},
            false
        ) as is_numerador
    from pessoas
    cross join parametros
    left join exames_por_pessoa
        on
            pessoas.co_municipio_ibge = exames_por_pessoa.co_municipio_ibge
            and pessoas.co_pessoa = exames_por_pessoa.co_pessoa
    where
        extract(year from age(parametros.dt_fim_quadrimestre, pessoas.dt_nascimento))
        between 25 and 64

)

select * from lista
