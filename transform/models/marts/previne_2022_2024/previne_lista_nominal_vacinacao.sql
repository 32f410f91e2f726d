-- Lista nominal for childhood vaccination (Previne Brasil indicator 5): living children who
-- turn 12 months within R's quadrimester (the denominator) or later, born by R. Numerator: the
-- 3rd dose (LEDI dose 3) of polio (VIP 22 or hexavalente 43) and of pentavalente (42 or
-- hexavalente 43), by application date (a dose transcribed later counts when applied), up to R.
with

parametros as (

    {{ parametros_referencia() }}

),

pessoas as (

    select * from {{ ref('int_pessoas_consolidadas') }}
    where {{ escopo_municipio() }} and not is_falecido and dt_nascimento is not null

),

vacinas as (

    select * from {{ ref('int_vacinas_aplicadas') }}
    where
        {{ escopo_municipio() }}
        and nu_dose = '3'
        and nu_imunobiologico in ('22', '42', '43')
        and dt_aplicacao <= {{ data_referencia() }}

),

criancas as (

    select
        pessoas.*,
        (pessoas.dt_nascimento + interval '12 months')::date as dt_completa_12_meses
    from pessoas
    cross join parametros
    where
        pessoas.dt_nascimento <= parametros.dt_referencia
        and (pessoas.dt_nascimento + interval '12 months')::date
        >= parametros.dt_inicio_quadrimestre

),

terceiras_doses as (

    select
        co_municipio_ibge,
        co_pessoa,
        min(dt_aplicacao) filter (where nu_imunobiologico in ('22', '43')) as dt_d3_polio,
        min(dt_aplicacao) filter (where nu_imunobiologico in ('42', '43')) as dt_d3_penta
    from vacinas
    group by co_municipio_ibge, co_pessoa

),

lista as (

    select
        criancas.co_municipio_ibge,
        criancas.co_pessoa,
        criancas.nu_ine,
        criancas.no_equipe,
        criancas.nu_cnes,
        criancas.no_unidade_saude,
        criancas.nu_micro_area,
        criancas.no_cidadao,
        criancas.dt_nascimento,
        criancas.nu_cpf,
        criancas.nu_cns,
        criancas.dt_completa_12_meses,
        terceiras_doses.dt_d3_polio,
        terceiras_doses.dt_d3_penta,
        parametros.dt_referencia,
        parametros.ds_quadrimestre,
        parametros.dt_inicio_quadrimestre,
        parametros.dt_fim_quadrimestre,
        criancas.dt_completa_12_meses
        between parametros.dt_inicio_quadrimestre and parametros.dt_fim_quadrimestre
            as is_denominador,
        terceiras_doses.dt_d3_polio is not null and terceiras_doses.dt_d3_penta is not null
            as is_vacinacao_completa
    from criancas
    cross join parametros
    left join terceiras_doses
        on
            criancas.co_municipio_ibge = terceiras_doses.co_municipio_ibge
            and criancas.co_pessoa = terceiras_doses.co_pessoa

),

final as (

    select
        *,
        is_denominador and is_vacinacao_completa as is_numerador
    from lista

)

select * from final
