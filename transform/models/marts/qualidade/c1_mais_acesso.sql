-- C1 Mais acesso à APS: one row per team (INE of the attendance's team, eSF or eAP) and
-- competência, with the programmed and spontaneous attendances and their ratio; the rule is the
-- doc block qualidade_c1 (_qualidade__docs.md).
{{ config(meta={'indicador': 'C1'}) }}

with

competencias as (

    {{ competencias() }}

),

atendimentos as (

    select * from {{ ref('int_atendimentos_registrados') }}
    where
        {{ escopo_municipio() }}
        and tipo_atendimento = 'individual'
        and nu_tipo_atendimento in ('1', '2', '4', '5', '6')
        and nu_cnes is not null
        and {{ tem_cbo('mais_acesso') }}

),

equipes as (

    select * from {{ ref('int_equipes_tipificadas') }}
    where {{ escopo_municipio() }} and is_equipe_elegivel

),

contagens as (

    select
        atendimentos.co_municipio_ibge,
        competencias.dt_competencia,
        equipes.nu_ine,
        count(*) filter (where atendimentos.nu_tipo_atendimento in ('1', '2'))
            as nu_programadas,
        count(*) filter (where atendimentos.nu_tipo_atendimento in ('4', '5', '6'))
            as nu_espontaneas
    from atendimentos
    inner join equipes
        on
            atendimentos.co_municipio_ibge = equipes.co_municipio_ibge
            and atendimentos.nu_ine = equipes.nu_ine
    inner join competencias
        on atendimentos.dt_atendimento between competencias.dt_competencia and competencias.dt_corte
    group by atendimentos.co_municipio_ibge, competencias.dt_competencia, equipes.nu_ine

),

nomes_equipes as (

    select distinct on (co_municipio_ibge, nu_ine)
        co_municipio_ibge,
        nu_ine,
        no_equipe,
        ds_tipo_equipe
    from equipes
    order by co_municipio_ibge asc, nu_ine asc, co_seq_dim_equipe desc

),

final as (

    select
        contagens.co_municipio_ibge,
        contagens.dt_competencia,
        contagens.nu_ine,
        nomes_equipes.no_equipe,
        nomes_equipes.ds_tipo_equipe,
        contagens.nu_programadas,
        contagens.nu_espontaneas,
        100.0 * contagens.nu_programadas
        / nullif(contagens.nu_programadas + contagens.nu_espontaneas, 0) as vl_resultado
    from contagens
    inner join nomes_equipes
        on
            contagens.co_municipio_ibge = nomes_equipes.co_municipio_ibge
            and contagens.nu_ine = nomes_equipes.nu_ine

)

select
    co_municipio_ibge,
    dt_competencia,
    nu_ine,
    no_equipe,
    ds_tipo_equipe,
    nu_programadas,
    nu_espontaneas,
    vl_resultado,
    {{ faixa_resultado("'C1'", 'vl_resultado') }} as ds_classificacao
from final
